"""The community's one domain error: a refused post, message, flag or request, with the reason
in words (the API answers it as 400 with ``{"detail": ...}``)."""


class CommunityError(Exception):
    pass
