"""Django's own form messages that our users meet, listed so that makemessages puts them in our
catalogue: Django's Vietnamese for some of them is awkward ("Nhập một số tổng thể" for "Enter
a whole number"), and LOCALE_PATHS takes precedence over Django's translations."""

from django.utils.translation import gettext_noop, ngettext_lazy

OVERRIDDEN = [
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
]

# Django 5 changed this message ("%d" for "%(min_length)d") and its Vietnamese catalogue did not
# follow, so the password forms said it in English (tests/security/test_passwords.py).
OVERRIDDEN_PLURAL = [
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        10,
    ),
]
