"""/programme (also /program): a coordinator sees the programme's settings in plain
words and changes the meeting rhythm, the weekly digest, when the bot may write, the
morning reminder and the language with buttons, one step at a time."""

from __future__ import annotations

from datetime import date, time

from babel import Locale
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.domain import dates
from bot.domain.digest import WEEKDAYS
from bot.domain.model import Programme, Role
from bot.domain.programme_settings import (
    CADENCE_CHOICES,
    COUNTRY_CHOICES,
    DIGEST_HOURS,
    HOURS_CHOICES,
    TYPED_CADENCES,
    WORKING_DAYS_CHOICES,
    Setting,
    hours_text,
    values,
)
from bot.domain.rhythm import CadenceKind
from bot.domain.workdays import next_holidays
from bot.runtime.i18n import _, current_language
from bot.texts.buttons import Callback, build
from bot.texts.common import cadence_name, role_name
from bot.usecases.programme_settings import (
    NumberAsked,
    ProgrammeSettings,
    SettingsProblem,
    SettingsView,
)
from bot.usecases.refusal import Refusal
from handlers.common import deps, pressed_or_answer
from handlers.coordinator import coordinator_actor, coordinator_command, refuse
from handlers.render import CHECK, markup, rows, which_programme

# Button steps that set one setting; the button's value is the setting's written form.
SETS = {
    "c": Setting.CADENCE,
    "g": Setting.DIGEST,
    "h": Setting.HOURS,
    "w": Setting.WORKING_DAYS,
    "r": Setting.MORNING_REMINDER,
    "l": Setting.LANGUAGE,
    "k": Setting.COUNTRY,
}
MENUS = ("cadence", "digest", "hours", "days", "language", "holidays")
HOLIDAYS_SHOWN = 3
EXAMPLES = {CadenceKind.MINUTES: 120, CadenceKind.PER_COHORT: 2}


def _service(context: ContextTypes.DEFAULT_TYPE) -> ProgrammeSettings:
    return deps(context).core.programme_settings


# the command


async def programme_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await coordinator_command(update)
    if command is None:
        return
    message, me = command
    service = _service(context)
    programmes = await service.programmes(me)
    if len(programmes) > 1:
        text, keyboard = which_programme(
            programmes, lambda programme_id: build("ps", programme_id, "v", 0)
        )
        await message.reply_text(text, reply_markup=keyboard)
        return
    if not programmes:
        await refuse(message)
        return
    result = await service.view(me, programmes[0].id)
    if isinstance(result, Refusal):
        await refuse(message)
        return
    await message.reply_text(view_text(result), reply_markup=view_keyboard(result))


# buttons


async def settings_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    found = await pressed_or_answer(update, _("Only coordinators can do this."))
    if found is None:
        return
    query, message, me = found
    service = _service(context)
    programme_id, step, value = data.int("programme"), data.values["step"], data.values["value"]
    if step == "v":
        shown = await service.view(me, programme_id)
        if isinstance(shown, Refusal):
            await query.answer(problem_text(shown.problem), show_alert=True)
            return
        await query.answer()
        await message.edit_text(view_text(shown), reply_markup=view_keyboard(shown))
        return
    if step == "x":
        await service.stop_typing(me)
        shown = await service.view(me, programme_id)
        await query.answer()
        if isinstance(shown, SettingsView):
            await message.edit_text(view_text(shown), reply_markup=view_keyboard(shown))
        return
    if step in SETS:
        changed = await service.change(me, programme_id, SETS[step], value)
        if isinstance(changed, Refusal):
            await query.answer(problem_text(changed.problem), show_alert=True)
            return
        await query.answer(_("Saved."))
        await message.edit_text(view_text(changed), reply_markup=view_keyboard(changed))
        return
    if step == "n":
        kind = CadenceKind(value) if value in EXAMPLES else None
        asked = (
            await service.ask_number(me, programme_id, kind)
            if kind
            else Refusal(SettingsProblem.NOT_UNDERSTOOD)
        )
        if isinstance(asked, Refusal):
            await query.answer(problem_text(asked.problem), show_alert=True)
            return
        await query.answer()
        await message.edit_text(number_question(asked), reply_markup=_cancel(asked.programme))
        return
    programme = await service.for_change(me, programme_id)
    if isinstance(programme, Refusal):
        await query.answer(problem_text(programme.problem), show_alert=True)
        return
    menu = (
        _menu(programme, value)
        if step == "m"
        else _digest_hours(programme, value)
        if step == "d"
        else None
    )
    if menu is None:
        await query.answer(problem_text(SettingsProblem.NOT_UNDERSTOOD))
        return
    await query.answer()
    await message.edit_text(menu[0], reply_markup=menu[1])


# typed numbers


async def text_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A number typed for the meeting rhythm; False when none is asked for."""
    message = update.effective_message
    me = coordinator_actor()
    if message is None or me is None or message.text is None:
        return False
    result = await _service(context).typed(me, message.text)
    if result is None:
        return False
    if isinstance(result, Refusal):
        await message.reply_text(problem_text(result.problem))
    elif isinstance(result, NumberAsked):
        await message.reply_text(number_question(result), reply_markup=_cancel(result.programme))
    else:
        await message.reply_text(view_text(result), reply_markup=view_keyboard(result))
    return True


def _cancel(programme: Programme) -> InlineKeyboardMarkup:
    return markup(
        [[InlineKeyboardButton(_("Cancel"), callback_data=build("ps", programme.id, "x", 0))]]
    )


# rendering


def problem_text(problem: SettingsProblem) -> str:
    texts = {
        SettingsProblem.NOT_ALLOWED: _("Only coordinators can do this."),
        SettingsProblem.REGION_ONLY: _(
            "You coordinate one part of the programme. Only a coordinator of the whole "
            "programme can change its settings."
        ),
        SettingsProblem.NOT_UNDERSTOOD: _("This button is old. Nothing was changed."),
        SettingsProblem.BAD_NUMBER: _("I could not use that number."),
    }
    return texts[problem]


def number_question(asked: NumberAsked) -> str:
    lines = []
    if asked.problem is not None:
        lines.append(problem_text(asked.problem))
    if asked.kind is CadenceKind.MINUTES:
        lines.append(
            _("How many minutes should a pair meet each month? Write a number, like {n}.").format(
                n=EXAMPLES[asked.kind]
            )
        )
    else:
        lines.append(
            _(
                "How many times should a pair meet in the whole cohort? Write a number, like {n}."
            ).format(n=EXAMPLES[asked.kind])
        )
    return "\n".join(lines)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clock(moment: time) -> str:
    return "24:00" if moment == time(23, 59) else f"{moment:%H:%M}"


def days_name(days: frozenset[int]) -> str:
    """«Monday to Friday», «every day», «Monday, Wednesday, Friday»."""
    language = current_language()
    ordered = sorted(days)
    if len(ordered) == 7:
        return _("every day")
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return _("{first} to {last}").format(
            first=dates.weekday_name(ordered[0], language),
            last=dates.weekday_name(ordered[-1], language),
        )
    return ", ".join(dates.weekday_name(day, language) for day in ordered)


def _cohort_line(name: str, starts: date, ends: date) -> str:
    language = current_language()
    return _("{name}, {starts} – {ends}").format(
        name=name,
        starts=dates.format_full_date(starts, language),
        ends=dates.format_full_date(ends, language),
    )


def view_text(view: SettingsView) -> str:
    p = view.programme
    language = current_language()
    lines = []
    if view.changed is not None:
        lines.append(_("✅ Saved."))
    lines.append(_("⚙️ Settings of {programme}").format(programme=p.name))
    if len(view.cohorts) == 1:
        [cohort] = view.cohorts
        lines.append(
            _("Cohort: {cohort}").format(
                cohort=_cohort_line(cohort.name, cohort.starts_on, cohort.ends_on)
            )
        )
    elif view.cohorts:
        lines.append(_("Cohorts now:"))
        lines += [f"• {_cohort_line(c.name, c.starts_on, c.ends_on)}" for c in view.cohorts]
    lines.append("")
    lines.append(_("Pairs meet {cadence}.").format(cadence=cadence_name(p.cadence)))
    lines.append(
        _("The bot writes to participants {days}, {start}–{end}.").format(
            days=days_name(p.working_days), start=_clock(p.day_starts), end=_clock(p.day_ends)
        )
    )
    lines += _holiday_lines(p, view.today)
    lines.append(
        _("Reminder on the morning of a meeting: {state}.").format(
            state=_("on") if p.morning_reminder else _("off")
        )
    )
    if p.digest_weekday is None or view.next_digest is None:
        lines.append(_("Weekly digest: off."))
    else:
        local = p.rules.local(view.next_digest)
        lines.append(
            _("Weekly digest: every {weekday} at {time}. Next: {when}.").format(
                weekday=dates.weekday_name(p.digest_weekday, language),
                time=dates.format_time(time(p.digest_hour), language),
                when=dates.format_when(local.date(), local.time(), language),
            )
        )
    lines.append(
        _("Role words: {mentor} and {adept}.").format(
            mentor=role_name(Role.MENTOR, p.role_labels),
            adept=role_name(Role.ADEPT, p.role_labels),
        )
    )
    lines.append(_("Time zone: {zone}.").format(zone=p.timezone))
    lines.append(_("Language: {language}.").format(language=_language_name(p.language)))
    lines.append("")
    if view.may_change:
        lines.append(
            _(
                "The name, time zone, role words and outcomes are changed on the command "
                "line: mentorbot program set {id}"
            ).format(id=p.id)
        )
        lines.append(_("Tap what you want to change:"))
    else:
        regions = ", ".join(c.name for c in view.regions)
        lines.append(
            _(
                "You coordinate {cohort}. You can see these settings, but only a coordinator "
                "of the whole programme can change them."
            ).format(cohort=regions or p.name)
        )
    return "\n".join(lines)


def country_name(code: str | None) -> str:
    """«Norge» / «Norway»: a country in the reader's language."""
    if code is None:
        return _("no country")
    locale = Locale("nb" if current_language() == "nb" else "en")
    return str(locale.territories.get(code.upper(), code.upper()))


def _holiday_lines(p: Programme, today: date | None) -> list[str]:
    """The country whose public holidays are days off, and the next few of them."""
    language = current_language()
    lines = [
        _("No messages to participants on public holidays in {country}.").format(
            country=country_name(p.country)
        )
    ]
    coming = next_holidays(p.country, today, language, HOLIDAYS_SHOWN) if today else []
    if coming:
        lines.append(
            _("Next holidays: {days}.").format(
                days=", ".join(
                    _("{day} ({name})").format(
                        day=dates.format_day(day, language, today=today), name=name
                    )
                    for day, name in coming
                )
            )
        )
    return lines


def _language_name(language: str) -> str:
    return "Norsk" if language == "nb" else "English"


def view_keyboard(view: SettingsView) -> InlineKeyboardMarkup | None:
    if not view.may_change:
        return None
    p = view.programme

    def button(label: str, step: str, value: object) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=build("ps", p.id, step, value))

    morning = (
        button(_("Turn off reminder"), "r", "off")
        if p.morning_reminder
        else button(_("Turn on reminder"), "r", "on")
    )
    return markup(
        [
            [button(_("Meetings"), "m", "cadence"), button(_("Weekly digest"), "m", "digest")],
            [button(_("Time of day"), "m", "hours"), button(_("Days"), "m", "days")],
            [morning, button(_("Language"), "m", "language")],
            [button(_("Holidays"), "m", "holidays")],
        ]
    )


def _back(programme: Programme, step: str = "v", value: object = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(_("◀ Back"), callback_data=build("ps", programme.id, step, value))


def _menu(programme: Programme, which: str) -> tuple[str, InlineKeyboardMarkup] | None:
    """The choices for one setting, the current one ticked; None for a menu we do not have."""
    if which not in MENUS:
        return None
    p = programme

    def button(label: str, step: str, value: str, current: bool = False) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            (CHECK if current else "") + label, callback_data=build("ps", p.id, step, value)
        )

    if which == "cadence":
        names = {
            "monthly": _("Once a month"),
            "twice_monthly": _("Twice a month"),
            "every_other_month": _("Every other month"),
        }
        kind = p.rules.cadence.kind.value
        choices = [button(names[c], "c", c, c == kind) for c in CADENCE_CHOICES]
        choices += [
            button(_("Minutes a month"), "n", k.value, k.value == kind)
            if k is CadenceKind.MINUTES
            else button(_("Meetings per cohort"), "n", k.value, k.value == kind)
            for k in TYPED_CADENCES
        ]
        text = _("How often should pairs meet? Now: {cadence}.").format(
            cadence=cadence_name(p.cadence)
        )
        return text, markup([*rows(choices, 1), [_back(p)]])
    if which == "digest":
        language = current_language()
        choices = [
            button(
                _capital(dates.weekday_name(day, language)),
                "d",
                WEEKDAYS[day],
                day == p.digest_weekday,
            )
            for day in range(7)
        ]
        choices.append(button(_("No digest"), "g", "off", p.digest_weekday is None))
        text = _("Which day should the weekly digest come?")
        return text, markup([*rows(choices, 2), [_back(p)]])
    if which == "hours":
        current = hours_text(p.day_starts, p.day_ends)
        choices = []
        for choice in HOURS_CHOICES:
            window = values(Setting.HOURS, choice)
            assert window is not None
            starts, ends = window["day_starts"], window["day_ends"]
            assert isinstance(starts, time) and isinstance(ends, time)
            label = f"{_clock(starts)}–{_clock(ends)}"
            choices.append(button(label, "h", choice, choice == current))
        text = _("When may the bot write to participants? Now: {hours}.").format(
            hours=f"{_clock(p.day_starts)}–{_clock(p.day_ends)}"
        )
        return text, markup([*rows(choices, 2), [_back(p)]])
    if which == "days":
        choices = []
        for choice in WORKING_DAYS_CHOICES:
            found = values(Setting.WORKING_DAYS, choice)
            assert found is not None
            days = frozenset(int(d) for d in str(found["working_days"]))
            label = _capital(days_name(days))
            choices.append(button(label, "w", choice, days == p.working_days))
        text = _("On which days may the bot write to participants? Now: {days}.").format(
            days=days_name(p.working_days)
        )
        return text, markup([*rows(choices, 1), [_back(p)]])
    if which == "holidays":
        current = (p.country or "").lower()
        offered = [*COUNTRY_CHOICES, *([current] if current not in COUNTRY_CHOICES else [])]
        choices = [
            button(country_name(code), "k", code, code == current) for code in offered if code
        ]
        text = _(
            "Which country's public holidays should the bot keep? It writes to no participant "
            "on them. Now: {country}."
        ).format(country=country_name(p.country))
        return text, markup([*rows(choices, 2), [_back(p)]])
    text = _(
        "Which language should the programme use? It is used in the alert group, and for "
        "people who have not chosen a language."
    )
    choices = [
        button("Norsk", "l", "nb", p.language == "nb"),
        button("English", "l", "en", p.language == "en"),
    ]
    return text, markup([choices, [_back(p)]])


def _digest_hours(programme: Programme, day: str) -> tuple[str, InlineKeyboardMarkup] | None:
    if day not in WEEKDAYS:
        return None
    p = programme
    chosen = p.digest_hour if p.digest_weekday == WEEKDAYS.index(day) else None
    choices = [
        InlineKeyboardButton(
            (CHECK if hour == chosen else "") + f"{hour:02d}:00",
            callback_data=build("ps", p.id, "g", f"{day}-{hour:02d}"),
        )
        for hour in DIGEST_HOURS
    ]
    text = _("What time on {weekday}? Time zone: {zone}.").format(
        weekday=dates.weekday_name(WEEKDAYS.index(day), current_language()), zone=p.timezone
    )
    return text, markup([*rows(choices, 4), [_back(p, "m", "digest")]])
