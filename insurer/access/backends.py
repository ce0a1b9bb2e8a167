"""Django auth backend: permissions come from the role grants in force today."""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend, ModelBackend

from insurer.access.grants import permissions_of


class RoleGrantBackend(BaseBackend):
    """Model-level permissions of the roles a user holds. Object-level grants are
    guardian's (its backend sits beside this one); department scopes are applied by
    insurer.access.restrict on querysets."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if obj is not None or not getattr(user_obj, "is_active", False) or user_obj.is_anonymous:
            return set()
        return permissions_of(user_obj)

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)


class PasswordBackend(ModelBackend):
    """Django's password check, without its user and group permissions: permissions come
    only from role grants (above) and guardian object grants, so nothing assigned in the
    admin can bypass maker-checker. It also saves two queries on every request."""

    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return set()
