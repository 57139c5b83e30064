"""Account forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from .passwords import broken_rules


def password_rules(form, field) -> None:
    broken = broken_rules(field.data or "")
    if broken:
        raise ValidationError(_l("The password needs: %(rules)s.", rules=", ".join(broken)))


EMAIL = [DataRequired(), Length(max=254), Email(message=_l("Enter a valid e-mail address."))]
NEW_PASSWORD = [DataRequired(), Length(max=256), password_rules]


class RegisterForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=EMAIL)
    password = PasswordField(_l("Password"), validators=NEW_PASSWORD)
    confirm = PasswordField(_l("Confirm the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class CodeForm(FlaskForm):
    code = StringField(_l("Verification code"), validators=[
        DataRequired(), Regexp(r"^\s*\d{6}\s*$", message=_l("The code has 6 digits."))])


class EmptyForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=EMAIL)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Remember me"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=EMAIL)


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=NEW_PASSWORD)
    confirm = PasswordField(_l("Confirm the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(_l("Yes, delete my account and my personal data"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])
