from insurer.notifications.services import unread_count


def notifications(request):
    """Template context processor: the unread count for the bell in the navigation bar."""
    return {"unread_notifications": unread_count(getattr(request, "user", None))}
