"""The demo's lively online community: Bologna Digital Makers' board over the last six weeks —
a dozen topics with tags, replies, @mentions and likes, an online meetup with its board topic
(a hybrid group's event), and a conversation between Maria and Sara, the moderator.

Everything is written through the community's services (so limits, mentions and notices are
the real ones); afterwards the dates are spread over the weeks, as a real board's would be."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.community import services
from cerchia.community.mentions import group_handles
from cerchia.community.models import Post, Topic, TopicRead, Trust, Visit
from cerchia.groups.models import Group, Membership
from cerchia.meetings.services import create_meeting

# The community's regulars have earned "member" (level 2); the safety demo adds a newcomer.
REGULAR_LEVEL = 2


@dataclass(frozen=True)
class Thread:
    title: str
    tags: tuple[str, ...]
    body: str
    replies: tuple[str, ...]
    days_ago: int


THREADS = [
    Thread(
        "Welcome! Introduce yourself here",
        ("welcome", "introductions"),
        "New here? Tell us what you make and what you are looking for. {sara} moderates; "
        "{paolo} runs the community.",
        (
            "Ciao! Wedding photographer in Bologna, I also shoot small business portraits.",
            "Front-end developer, mostly Django and htmx. Happy to help with websites.",
            "Copywriter: landing pages and newsletters, Italian and English.",
        ),
        40,
    ),
    Thread(
        "How do you price a wedding package in 2027?",
        ("pricing", "wedding", "freelance"),
        "Prices went up everywhere. How are you pricing full-day coverage this year? {maria} "
        "what do you charge for a second shooter?",
        (
            "I price by the hour after the first 8: it keeps long receptions honest.",
            "Second shooters in Bologna ask 250–350 € a day, travel apart.",
            "Packages with an album sell better than hours: people compare totals.",
            "Thanks all, this helps a lot.",
        ),
        33,
    ),
    Thread(
        "Invoicing tools for forfettari",
        ("tools", "invoicing", "tax"),
        "Which e-invoicing tool do you use under the flat-rate scheme? Looking for something "
        "simple with SDI.",
        ("Fatture in Cloud, mostly because my accountant uses it.", "A spreadsheet and fear."),
        30,
    ),
    Thread(
        "Looking for a videographer for a June wedding",
        ("wedding", "video", "referral"),
        "A couple of mine want video too. Anyone free on 14 June near Imola? {sara} do you "
        "know someone?",
        ("I know two good ones, I will send you their details.", "Free that day, writing you."),
        26,
    ),
    Thread(
        "Portfolio review night — share yours",
        ("portfolio", "feedback"),
        "Drop a link to your portfolio and get honest feedback from two other members.",
        (
            "Mine is mostly product shots, be kind.",
            "Lovely light in the third series. Put your best work first.",
            "Agree: fewer, better pictures.",
        ),
        22,
    ),
    Thread(
        "Client paid late again: what do you do?",
        ("clients", "invoicing"),
        "Third reminder sent. Do you charge late fees, and do they work?",
        (
            "I ask 30% upfront since last year. Late payments almost disappeared.",
            "Late fees exist by law, but I only mention them, never apply them.",
        ),
        18,
    ),
    Thread(
        "Co-working days in Bologna",
        ("coworking", "bologna"),
        "Some of us meet on Thursdays in a co-working near the station. Join us!",
        ("I'll come next week.", "Is there parking nearby?", "Bike is better, trust me."),
        15,
    ),
    Thread(
        "Best laptop for photo editing under 1500 €?",
        ("tools", "photography"),
        "My laptop is dying in the middle of wedding season. Recommendations?",
        ("Any with a good colour-calibrated screen; add an external one.", "RAM first, 32 GB."),
        12,
    ),
    Thread(
        "Newsletter swap: who wants to cross-promote?",
        ("marketing", "newsletter"),
        "I send a monthly newsletter to 900 couples. Happy to feature a fellow maker. "
        "{maria} your portraits would fit.",
        ("Yes please! I can feature you in mine.", "Count me in for autumn."),
        9,
    ),
    Thread(
        "Accessibility checklist for small websites",
        ("web", "accessibility"),
        "I made a one-page checklist for clients' websites; feedback welcome.",
        ("Add contrast checks for buttons.", "And forms with labels, always."),
        6,
    ),
    Thread(
        "Is it worth going to trade shows as a freelancer?",
        ("events", "marketing", "freelance"),
        "The wedding fair costs 600 € for a small stand. Did it ever pay back for you?",
        (
            "Once I got four weddings from it; the next year none.",
            "Share a stand with two others and split the cost.",
        ),
        3,
    ),
]

EVENT_THREAD = Thread(
    "Online meetup: pricing your work (slides and questions)",
    ("events", "pricing"),
    "Questions for the meetup go here; slides will follow. {maria} will share her packages.",
    (
        "Can we talk about rush fees?",
        "Yes, and about discounts for friends.",
        "See you online!",
    ),
    2,
)

DIRECT_MESSAGES = [
    ("maria", "sara", "Ciao Sara! Could you pin the meetup topic? Many asked about it."),
    ("sara", "maria", "Done! Thanks for preparing the slides."),
    ("maria", "sara", "Thank you. Shall we do a portfolio review in January too?"),
]


def _spread(topic: Topic, start: datetime.datetime, rng: random.Random) -> None:
    """The topic's posts dated from ``start`` onwards, a few hours apart."""
    moment = start
    posts = list(Post.objects.filter(topic=topic).order_by("number"))
    for post in posts:
        post.created_at = moment
        moment += datetime.timedelta(hours=rng.randint(2, 20))
    Post.objects.bulk_update(posts, ["created_at"])
    Topic.objects.filter(pk=topic.pk).update(created_at=start, last_posted_at=posts[-1].created_at)


def build_community(community: Group, *, personas: dict[str, User], rng: random.Random) -> None:
    maria, sara, paolo = personas["maria"], personas["sara"], personas["paolo"]
    members = [
        m.user
        for m in Membership.objects.active()
        .filter(group=community)
        .exclude(user__in=[maria, sara, paolo])
        .select_related("user")
        .order_by("user_id")[:30]
    ]
    cast = [maria, sara, paolo, *members]
    Trust.objects.bulk_create(
        [Trust(group=community, user=user, level=REGULAR_LEVEL) for user in cast],
        ignore_conflicts=True,
    )
    handles = group_handles(community).by_user
    names = {key: f"@{handles[personas[key].pk]}" for key in ("maria", "sara", "paolo")}
    now = timezone.now()
    # Next week, 18:00 to 19:30 in the group's time zone (naive times are the group's).
    evening = datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=7), datetime.time(18, 0)
    )
    meetup = create_meeting(
        community,
        actor=sara,
        title="Online meetup: pricing your work",
        kind="meetup",
        starts_at=evening,
        ends_at=evening + datetime.timedelta(minutes=90),
        online_url="https://meet.example.org/bologna-digital-makers",
        description="An evening online: how members price packages, rush fees and retainers.",
    )
    for thread in [*THREADS, EVENT_THREAD]:
        author = sara if thread is THREADS[0] else rng.choice(cast)
        topic = services.create_topic(
            community,
            author=author,
            title=thread.title,
            body=thread.body.format(**names),
            tags=thread.tags,
            meeting=meetup if thread is EVENT_THREAD else None,
        )
        opening = topic.posts.get(number=1)
        previous = opening
        for text in thread.replies:
            replier = rng.choice([u for u in cast if u.pk != previous.author_id])
            previous = services.reply(
                topic,
                author=replier,
                body=text,
                reply_to=previous if rng.random() < 0.4 else None,
            )
        for post in Post.objects.filter(topic=topic):
            fans = [u for u in rng.sample(cast, k=rng.randint(0, 6)) if u.pk != post.author_id]
            for fan in fans:
                services.like_post(post, user=fan)
        _spread(topic, now - datetime.timedelta(days=thread.days_ago, hours=rng.randint(1, 9)), rng)
        last = topic.posts.count()
        TopicRead.objects.bulk_create(
            [TopicRead(topic=topic, user=u, last_read=last) for u in rng.sample(cast, k=12)],
            ignore_conflicts=True,
        )
    services.update_topic(
        Topic.objects.get(group=community, title=THREADS[0].title), actor=sara, pinned=True
    )
    Visit.objects.bulk_create(
        [
            Visit(group=community, user=user, day=(now - datetime.timedelta(days=d)).date())
            for user in cast
            for d in sorted(rng.sample(range(1, 45), k=rng.randint(5, 25)))
        ],
        ignore_conflicts=True,
    )
    for sender, recipient, body in DIRECT_MESSAGES:
        services.send_message(personas[sender], personas[recipient], body)
