"""Maria's informal network in the demo: about 150 private contacts — imported from the four
fixture exports she would have (LinkedIn, Google Contacts, two vCard address books) plus the
people no export holds (family, neighbours, friends, couples she photographed, suppliers) —
with stay-in-touch rhythms, some due today, a few logged interactions, one contact linked to
Luca's card, an introduction that went well and one still waiting for the other side."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.contacts.imports import import_contacts
from cerchia.contacts.interactions import log_interaction, set_stay_in_touch
from cerchia.contacts.introductions import answer_introduction, introduce, record_outcome
from cerchia.contacts.models import Contact, Relationship
from cerchia.contacts.services import create_contact

SEED = 150
DATA = Path(__file__).resolve().parent / "data" / "contacts"
FILES = (
    ("Connections.csv", "linkedin"),
    ("contacts.csv", "google"),
    ("address-book-v3.vcf", "vcard"),
    ("contacts-v4.vcf", "vcard"),
)


@dataclass(frozen=True)
class Person:
    name: str
    relationship: str
    closeness: int
    company: str = ""
    how_we_met: str = ""
    tags: tuple[str, ...] = ()


R = Relationship
# The people no export holds. Names are plain ASCII so their addresses read naturally.
PEOPLE = [
    Person("Anna Rossi", R.FAMILY, 5, how_we_met="My sister", tags=("family",)),
    Person("Giorgio Rossi", R.FAMILY, 5, how_we_met="My father", tags=("family",)),
    Person("Lucia Rossi", R.FAMILY, 5, how_we_met="My mother", tags=("family",)),
    Person("Marco Neri", R.PARTNER, 5, "Neri Architetti", tags=("family",)),
    Person("Tommaso Rossi", R.FAMILY, 4, how_we_met="My cousin in Modena", tags=("family",)),
    Person("Carla Rossi", R.FAMILY, 3, how_we_met="My aunt", tags=("family",)),
    Person("Silvia Galli", R.FRIEND, 5, "Galli Design", "School in Bologna", ("friends",)),
    Person("Federica Mazza", R.FRIEND, 4, "Ospedale Maggiore", "University", ("friends",)),
    Person("Davide Serra", R.FRIEND, 4, "Serra Bici", "Climbing club", ("friends", "sport")),
    Person("Irene Fontana", R.FRIEND, 4, "", "University", ("friends",)),
    Person("Paolo Greco", R.FRIEND, 3, "Greco Vini", "Climbing club", ("friends", "sport")),
    Person("Elisa Caruso", R.FRIEND, 3, "Teatro Comunale", "Choir", ("friends", "music")),
    Person("Stefano Villa", R.FRIEND, 3, "", "Choir", ("friends", "music")),
    Person("Marta Longo", R.FRIEND, 3, "Longo Yoga", "Yoga class", ("friends",)),
    Person("Nicola Ferri", R.FRIEND, 2, "", "A friend of Marco's", ("friends",)),
    Person("Chiara Pace", R.FRIEND, 2, "Pace Legatoria", "Book fair 2022", ("friends",)),
    Person("Bruno Vitale", R.NEIGHBOUR, 3, "", "Via Saragozza, second floor", ("neighbours",)),
    Person("Rosa Vitale", R.NEIGHBOUR, 3, "", "Via Saragozza, second floor", ("neighbours",)),
    Person("Ettore Basile", R.NEIGHBOUR, 2, "Basile Ferramenta", "The shop downstairs"),
    Person("Gina Moretti", R.NEIGHBOUR, 2, "", "Across the courtyard", ("neighbours",)),
    Person("Alessia Testa", R.CLIENT, 3, "", "Wedding, June 2025", ("wedding", "clients")),
    Person("Matteo Gentile", R.CLIENT, 3, "", "Wedding, June 2025", ("wedding", "clients")),
    Person("Sara Lombardi", R.CLIENT, 3, "Lombardi Gioielli", "Wedding, Sept. 2025", ("wedding",)),
    Person("Riccardo Farina", R.CLIENT, 2, "", "Wedding, Sept. 2025", ("wedding", "clients")),
    Person("Valeria Sala", R.CLIENT, 2, "", "Engagement shoot, 2026", ("clients",)),
    Person("Luigi Bellini", R.CLIENT, 2, "Hotel Bellini", "Corporate portraits", ("clients",)),
    Person("Noemi Carbone", R.CLIENT, 2, "", "Christening, 2024", ("clients",)),
    Person("Franco Benedetti", R.CLIENT, 3, "Villa Benedetti", "Venue owner", ("venues",)),
    Person("Ilaria Orlando", R.CLIENT, 2, "", "Wedding, May 2026", ("wedding", "clients")),
    Person("Pietro Orlando", R.CLIENT, 2, "", "Wedding, May 2026", ("wedding", "clients")),
    Person("Elena Fabbri", R.VENDOR, 3, "Fabbri Fiori", "Weddings we both worked", ("florist",)),
    Person("Dario Conte", R.VENDOR, 3, "Conte Catering", "Wedding at Villa Benedetti"),
    Person("Monica Rinaldi", R.VENDOR, 2, "Stampa Rinaldi", "Prints my albums", ("print",)),
    Person("Giacomo Marino", R.VENDOR, 2, "Marino Musica", "Wedding band", ("music",)),
    Person("Teresa Bruno", R.VENDOR, 2, "Atelier Bruno", "Bridal fair 2024", ("fashion",)),
    Person("Fabio Leone", R.VENDOR, 2, "Leone Noleggi", "Rents me lights", ("gear",)),
    Person("Laura Ricci", R.VENDOR, 3, "Torte Ricci", "Cakes for three weddings"),
    Person("Simone Grasso", R.VENDOR, 2, "Grasso Auto d'Epoca", "Vintage cars for weddings"),
    Person("Beatrice Monti", R.MENTOR, 4, "Monti Studio", "My first photography teacher"),
    Person("Alberto Pellegrini", R.MENTOR, 3, "Accademia di Belle Arti", "Evening course"),
    Person("Giulio De Luca", R.CLASSMATE, 2, "De Luca Media", "Accademia, class of 2012"),
    Person("Martina Sartori", R.CLASSMATE, 2, "Sartori Video", "Accademia, class of 2012"),
    Person("Roberto Costa", R.FORMER_COLLEAGUE, 2, "Foto Costa", "Assistant at Monti Studio"),
    Person("Angela Marchi", R.ACQUAINTANCE, 1, "Comune di Bologna", "Permit office"),
    Person("Enrico Palumbo", R.MET, 1, "Palumbo Droni", "Drone demo at the fair"),
]
# name -> stay in touch every N days. With the last contacts below, seven are due today or late.
RHYTHMS = {
    "Lucia Rossi": 7,
    "Giorgio Rossi": 7,
    "Tommaso Rossi": 30,
    "Silvia Galli": 14,
    "Federica Mazza": 30,
    "Davide Serra": 21,
    "Beatrice Monti": 60,
    "Franco Benedetti": 90,
    "Elena Fabbri": 30,
    "Sara Lombardi": 180,
    "Irene Fontana": 30,
    "Luca Bianchi": 14,
}
# (name, kind, days ago, note): the last contact with each person on a rhythm, and a few more.
INTERACTIONS = [
    ("Lucia Rossi", "call", 7, "Sunday call; she asked about the May weddings."),
    ("Giorgio Rossi", "meeting", 12, "Lunch at home."),
    ("Tommaso Rossi", "message", 45, "Congratulated him on the new job."),
    ("Silvia Galli", "message", 14, "Sent her the new portfolio."),
    ("Federica Mazza", "meeting", 38, "Aperitivo in Piazza Santo Stefano."),
    ("Davide Serra", "meeting", 10, "Climbing, then pizza."),
    ("Beatrice Monti", "email", 75, "Asked her advice on pricing packages."),
    ("Franco Benedetti", "meeting", 90, "Visited the villa's new garden room."),
    ("Elena Fabbri", "call", 12, "Flowers for the Orlando wedding."),
    ("Sara Lombardi", "email", 40, "Album delivered; she loved it."),
    ("Irene Fontana", "message", 5, "Birthday wishes."),
    ("Luca Bianchi", "one_to_one", 3, "Coffee after the chapter meeting."),
    ("Paolo Greco", "meeting", 33, "Wine tasting at his cellar."),
    ("Marta Longo", "message", 41, "Asked about a yoga retreat shoot."),
]
# Due today or late on the day the demo is built (the tests check these).
DUE_TODAY = {
    "Lucia Rossi",
    "Giorgio Rossi",
    "Tommaso Rossi",
    "Silvia Galli",
    "Federica Mazza",
    "Beatrice Monti",
    "Franco Benedetti",
}


def _email(name: str) -> str:
    return name.lower().replace(" ", ".").replace("'", "") + "@example.net"


def _day(today: datetime.date, days_ago: int) -> datetime.date:
    return today - datetime.timedelta(days=days_ago)


def build_contacts(*, maria: User, luca: User, giulia: User) -> dict[str, Any]:
    """Give Maria her informal network. Returns what was made, for the builder's log."""
    # Its own seed: the world's shared generator keeps the same sequence for what follows.
    rng = random.Random(SEED)
    today = timezone.localdate()
    imported = 0
    for filename, fmt in FILES:
        imported += import_contacts(maria, fmt=fmt, data=(DATA / filename).read_bytes()).imported
    made: dict[str, Contact] = {}
    for person in PEOPLE:
        made[person.name] = create_contact(
            maria,
            name=person.name,
            emails=[_email(person.name)],
            company=person.company,
            relationship=person.relationship,
            closeness=person.closeness,
            how_we_met=person.how_we_met,
            tags=list(person.tags),
        )
    made["Luca Bianchi"] = create_contact(
        maria,
        name="Luca Bianchi",
        emails=[_email("Luca Bianchi")],
        company="Studio Bianchi",
        relationship=R.COLLEAGUE,
        closeness=4,
        how_we_met="President of my chapter",
        tags=["chapter"],
        member=luca,
    )
    # A few imported contacts were written to lately, on a quarterly rhythm (not due yet).
    imported_ones = list(
        Contact.objects.filter(owner=maria)
        .exclude(pk__in=[c.pk for c in made.values()])
        .order_by("name", "pk")
    )
    for contact in rng.sample(imported_ones, min(4, len(imported_ones))):
        log_interaction(contact, kind="email", on=_day(today, rng.randint(5, 60)))
        set_stay_in_touch(contact, days=90)
    for name, kind, days_ago, note in INTERACTIONS:
        log_interaction(made[name], kind=kind, on=_day(today, days_ago), note=note)
    for name, every in RHYTHMS.items():
        set_stay_in_touch(made[name], days=every)

    # An introduction that went well: Elena's flowers for Dario's catering clients.
    done = introduce(
        maria,
        a=made["Elena Fabbri"],
        b=made["Dario Conte"],
        reason="You both work the big weddings around Bologna and should share clients.",
    )
    answer_introduction(done, side="a", accept=True)
    answer_introduction(done, side="b", accept=True)
    record_outcome(
        done, actor=maria, outcome="good", note="They now quote weddings together.", on=today
    )
    # One waiting for the other side: Giulia accepted; Franco has not answered his email.
    waiting = introduce(
        maria,
        a=made["Franco Benedetti"],
        b=giulia,
        reason="A venue owner I have worked with for years wants to host chamber events, "
        "and you plan them.",
    )
    answer_introduction(waiting, side="b", accept=True, actor=giulia)
    return {
        "contacts": Contact.objects.filter(owner=maria).count(),
        "imported": imported,
        "introductions": 2,
    }
