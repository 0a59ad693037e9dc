"""Template context: the user's roles for the navigation bar."""

from dangjian.core.roles import Role
from dangjian.core.scoping import has_role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "business": has_role(user, Role.ORGANIZER, Role.SECRETARY),
            "organizer": has_role(user, Role.ORGANIZER),
            "auditor": has_role(user, Role.AUDITOR),
            "sysadmin": has_role(user, Role.SYSADMIN),
            "secadmin": has_role(user, Role.SECADMIN),
            "member": has_role(user, Role.MEMBER),
        }
    }
