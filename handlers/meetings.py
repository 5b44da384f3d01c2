"""The meeting rhythm in chat: answering nudges, planning a date, /met, confirming a
meeting, check-ins, /status and /pause."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain import dates
from bot.domain.model import Dialogue, PairView, Person, Programme
from bot.domain.rhythm import MeetingFact, MeetingStatus, PlannedFact, next_planned, usual_minutes
from bot.runtime.i18n import _, current_language
from bot.texts.buttons import Callback, build
from bot.texts.common import duration, goal_label, privacy_warning, relabel
from bot.texts.meetings import when
from bot.usecases.meetings import (
    MAX_COMMENT,
    USUAL_MINUTES,
    Meetings,
    PairContext,
    Problem,
    Status,
)
from bot.usecases.refusal import Refusal
from handlers.common import (
    actor,
    deps,
    dialogue_changed,
    dialogue_on_arrival,
    member_command,
    pressed,
    pressed_or_answer,
    sent_later,
    wake_delivery,
)
from handlers.render import CHECK, markup, rows, too_long

MINUTE_CHOICES = (30, 60, 90, 120, 180)
PLAN_FLOW, MET_FLOW, MEETING_DATE_FLOW, COMMENT_FLOW, PAUSE_FLOW = (
    "plan",
    "met",
    "meeting_date",
    "comment",
    "pause",
)
FLOWS: frozenset[str | None] = frozenset(
    {PLAN_FLOW, MET_FLOW, MEETING_DATE_FLOW, COMMENT_FLOW, PAUSE_FLOW}
)


def _meetings(context: ContextTypes.DEFAULT_TYPE) -> Meetings:
    return deps(context).meetings


def _refusal(refusal: Refusal[Problem]) -> str:
    texts = {
        Problem.NOT_YOURS: _("This button is not for you."),
        Problem.NOT_ACTIVE: _("This pair is not active now."),
        Problem.NO_PAIR: _("You do not have an active pair yet."),
        Problem.LOGGED: _("This meeting is logged already. Thank you!"),
    }
    return texts.get(refusal.problem, _("This button is old. Nothing was changed."))


def _date_problem(problem: dates.DateProblem) -> str:
    texts = {
        dates.DateProblem.IN_THE_PAST: _("That day has passed. Please choose a day ahead."),
        dates.DateProblem.IN_THE_FUTURE: _("That day has not come yet. When did you meet?"),
        dates.DateProblem.TOO_FAR: _("That is too far away. Please choose a closer day."),
        dates.DateProblem.BAD_TIME: _("I did not understand the time. Write it like 17:00."),
    }
    return texts.get(
        problem,
        _("I did not understand that date. Write it like 3.12 or «tuesday», or tap a button."),
    )


async def _dialogue(context: ContextTypes.DEFAULT_TYPE, person: Person) -> Dialogue | None:
    opened = dialogue_on_arrival()
    if opened is not None:
        return opened.dialogue
    async with deps(context).services.db.unit() as uow:
        return await uow.dialogues.dialogue(person.id)


async def _set_dialogue(
    context: ContextTypes.DEFAULT_TYPE, dialogue: Dialogue | None, person: Person
) -> None:
    services = deps(context).services
    async with services.db.unit() as uow:
        if dialogue is None:
            await uow.dialogues.clear_dialogue(person.id)
        else:
            await uow.dialogues.save_dialogue(dialogue, services.clock.now())
    dialogue_changed(dialogue, known=True)


# choosing the pair (a mentor may have several adepts)


async def _with_pair(
    update: Update, context: ContextTypes.DEFAULT_TYPE, command: str
) -> tuple[Message, int] | None:
    """The command's message and the sender's one live pair; None once a stranger is told
    how to join, or the sender that they have no pair or asked which of several."""
    found = await member_command(update)
    if found is None:
        return None
    message, me = found
    views = await _meetings(context).live_pairs(me.person)
    if len(views) == 1:
        return message, views[0].pair.id
    await _no_pair_or_choose(message, me.person, views, command)
    return None


async def _no_pair_or_choose(
    message: Message, me: Person, views: list[PairView], command: str
) -> None:
    """Says there is no live pair, or asks which of several `command` is for."""
    if not views:
        await message.reply_text(_("You do not have an active pair yet."))
        return
    buttons = [
        InlineKeyboardButton(
            (v.adept if v.mentor.id == me.id else v.mentor).first_name,
            callback_data=build("pr", command, v.pair.id),
        )
        for v in views
    ]
    await message.reply_text(_("Which pair?"), reply_markup=markup(rows(buttons, 2)))


async def pair_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    found = await pressed_or_answer(update, _("This button is old. Nothing was changed."))
    if found is None:
        return
    query, _message, _me = found
    assert isinstance(query.message, Message)
    await query.answer()
    handlers = {
        "met": _ask_when_met,
        "plan": _ask_plan_day,
        "status": _show_status,
        "pause": _ask_pause,
    }
    await handlers[data.values["command"]](query.message, context, data.int("pair"))


# answering a nudge


async def nudge_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    pair_id, choice = data.int("pair"), data.values["choice"]
    result = await _meetings(context).not_yet(me.person, pair_id)
    if isinstance(result, Refusal):
        await query.answer(_refusal(result))
        return
    await query.answer()
    if choice == "met":
        # The question turns into the logging's first step.
        await _ask_when_met(message, context, pair_id, edit=True)
        return
    await query.edit_message_reply_markup(reply_markup=None)
    planned = next_planned(result.rhythm.history.planned, result.today)
    if choice in ("later", "date") and planned is not None:
        # The other party may have fixed a date since this question was sent.
        await message.reply_text(
            _("You already have a date: you meet {name} {when}. /status shows more.").format(
                name=result.other.first_name, when=when(planned, result.today)
            )
        )
    elif choice == "later":
        await message.reply_text(_("OK. Write /plan when you have a date."))
    else:
        await _ask_plan_day(message, context, pair_id)


# planning a date


async def plan_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _with_pair(update, context, "plan")
    if found is not None:
        message, pair_id = found
        await _ask_plan_day(message, context, pair_id)


async def _ask_plan_day(
    message: Message, context: ContextTypes.DEFAULT_TYPE, pair_id: int, *, edit: bool = False
) -> None:
    """Which day to meet; `edit` turns the bot's question pressed into this one."""
    me = actor()
    assert me is not None
    found = await _meetings(context).context(me.person, pair_id)
    if isinstance(found, Refusal):
        await message.reply_text(_refusal(found))
        return
    days = dates.suggested_days(
        found.today, found.programme.working_days, country=found.programme.country
    )
    buttons = [
        InlineKeyboardButton(
            dates.format_short(day, current_language()),
            callback_data=build("pl", pair_id, f"{day:%Y%m%d}"),
        )
        for day in days
    ]
    await _set_dialogue(
        context, Dialogue(me.person.id, PLAN_FLOW, "day", {"pair_id": pair_id}), me.person
    )
    text = _(
        "Which day will you meet {name}? Tap a day, or write a date and time, like «3.12 kl 17»."
    ).format(name=found.other.first_name)
    keyboard = markup(rows(buttons, 2))
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.reply_text(text, reply_markup=keyboard)


async def plan_day_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    day = _day(data.values["day"])
    if day is None:
        await query.answer(_("This button is old. Nothing was changed."))
        return
    result = await _meetings(context).propose(me.person, data.int("pair"), day, None)
    await query.answer(_refusal(result) if isinstance(result, Refusal) else None)
    if isinstance(result, Refusal):
        return
    await query.edit_message_reply_markup(reply_markup=None)
    await _set_dialogue(context, None, me.person)
    wake_delivery(context)
    found, plan = result
    await message.reply_text(_asked(context, found, plan))


async def proposal_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    accept = data.values["answer"] == "y"
    result = await _meetings(context).answer_proposal(me.person, data.int("planned"), accept)
    if isinstance(result, Refusal):
        await query.answer(_refusal(result))
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    wake_delivery(context)
    found, plan = result
    if accept:
        await message.reply_text(
            _("✅ Great! You meet {name} {when}. I will remind you the day before.").format(
                name=found.other.first_name, when=when(plan, found.today)
            )
        )
    else:
        await _ask_plan_day(message, context, found.pair_id)


# logging a meeting
#
# The common case is one tap: the day (today or yesterday) at the pair's usual length.
# Each further step edits the question into the next one, and the question becomes the
# receipt: logging leaves one message, then the check-in asks its own.

DAYS_AGO = {"today": 0, "yday": 1}


async def met_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _with_pair(update, context, "met")
    if found is not None:
        message, pair_id = found
        await _ask_when_met(message, context, pair_id)


async def _ask_when_met(
    message: Message, context: ContextTypes.DEFAULT_TYPE, pair_id: int, *, edit: bool = False
) -> None:
    """When they met; `edit` turns the bot's question pressed into this one."""
    me = actor()
    assert me is not None
    usual = await _meetings(context).usual_minutes(me.person, pair_id)
    await _set_dialogue(
        context,
        Dialogue(me.person.id, MET_FLOW, "day", {"pair_id": pair_id, "usual": usual}),
        me.person,
    )
    length = duration(usual)
    keyboard = markup(
        [
            [
                InlineKeyboardButton(
                    _("Today, {length}").format(length=length),
                    callback_data=build("ml", pair_id, "q", "today"),
                )
            ],
            [
                InlineKeyboardButton(
                    _("Yesterday, {length}").format(length=length),
                    callback_data=build("ml", pair_id, "q", "yday"),
                )
            ],
            [
                InlineKeyboardButton(
                    _("Other length"), callback_data=build("ml", pair_id, "w", "other")
                )
            ],
        ]
    )
    text = _("When did you meet? Tap a button, or write the date, like 3.12.")
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.reply_text(text, reply_markup=keyboard)


async def met_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    pair_id, step, value = data.int("pair"), data.values["step"], data.values["value"]
    dialogue = await _dialogue(context, me.person)
    expected = {"q": "day", "w": "day", "m": "minutes"}
    if (
        dialogue is None
        or dialogue.flow != MET_FLOW
        or dialogue.data.get("pair_id") != pair_id
        or dialogue.step != expected[step]
        or not _fits(step, value, dialogue.data)
    ):
        await query.answer(_("This button is old. Nothing was changed."))
        return
    if step == "w":
        await query.answer()
        await _ask_minutes(message, context, me.person, dict(dialogue.data), edit=True)
        return
    found = dict(dialogue.data)
    if step == "q":
        found["days_ago"] = DAYS_AGO[value]
    else:
        found["minutes"] = int(value)
        if "day" not in found:
            await query.answer()
            await _ask_day(message, context, me.person, found)
            return
    await query.answer()
    await _save_meeting(message, context, me.person, found, edit=True)


def _minutes_keyboard(pair_id: int, usual: int) -> InlineKeyboardMarkup:
    """The lengths to choose from, the pair's usual one first."""
    choices = [usual, *(m for m in MINUTE_CHOICES if m != usual)]
    buttons = [
        InlineKeyboardButton(duration(m), callback_data=build("ml", pair_id, "m", m))
        for m in choices
    ]
    return markup(rows(buttons, 3))


async def _ask_minutes(
    message: Message,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    data: dict[str, object],
    *,
    edit: bool,
) -> None:
    """How long they met; `edit` turns the question pressed into this one."""
    await _set_dialogue(context, Dialogue(person.id, MET_FLOW, "minutes", data), person)
    text = _("About how long did you meet?")
    keyboard = _minutes_keyboard(int(str(data["pair_id"])), _usual(data))
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.reply_text(text, reply_markup=keyboard)


async def _ask_day(
    message: Message, context: ContextTypes.DEFAULT_TYPE, person: Person, data: dict[str, object]
) -> None:
    """Which day, once the length is chosen: the length question turns into this one."""
    await _set_dialogue(context, Dialogue(person.id, MET_FLOW, "day", data), person)
    pair_id = int(str(data["pair_id"]))
    await message.edit_text(
        _("When did you meet? Tap a button, or write the date, like 3.12."),
        reply_markup=markup(
            [
                [
                    InlineKeyboardButton(
                        _("Today"), callback_data=build("ml", pair_id, "q", "today")
                    ),
                    InlineKeyboardButton(
                        _("Yesterday"), callback_data=build("ml", pair_id, "q", "yday")
                    ),
                ]
            ]
        ),
    )


def _fits(step: str, value: str, data: dict[str, object]) -> bool:
    """Whether a button's value is one this step offered (button data is untrusted)."""
    if step == "q":
        return value in DAYS_AGO
    if step == "m":
        return value.isdigit() and int(value) in {*MINUTE_CHOICES, _usual(data)}
    return value == "other"


def _usual(data: dict[str, object]) -> int:
    usual = data.get("usual")
    return usual if isinstance(usual, int) else USUAL_MINUTES


async def _save_meeting(
    message: Message,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    data: dict[str, object],
    *,
    edit: bool,
) -> None:
    """Logs the meeting `data` describes (a day or days ago, a length or the usual one);
    `edit` turns the question pressed into the receipt, else the receipt is a reply."""
    minutes = data.get("minutes")
    day = data.get("day")
    days_ago = data.get("days_ago")
    result = await _meetings(context).log_meeting(
        person,
        int(str(data["pair_id"])),
        date.fromisoformat(day) if isinstance(day, str) else None,
        minutes if isinstance(minutes, int) else _usual(data),
        None,
        days_ago=days_ago if isinstance(days_ago, int) else 0,
    )
    await _set_dialogue(context, None, person)
    if isinstance(result, Refusal):
        await message.reply_text(_refusal(result))
        return
    wake_delivery(context)
    found, meeting, check_in = result
    text, keyboard = _receipt(found, meeting, None, sent_later(context, found.programme))
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.reply_text(text, reply_markup=keyboard)
    await _ask_score(message, check_in, found.programme)


def _receipt(
    found: PairContext, meeting: MeetingFact, topic: str | None, later: str | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """What was saved (and when the other party is asked, if not now); while no goal is
    named, the pair's goals to name one (optional)."""
    held = dates.format_day(meeting.held_on, current_language(), today=found.today)
    name, length = found.other.first_name, duration(meeting.minutes)
    lines = [
        _("✅ Saved: you met {name} {day}, {length}. I have asked {name} to confirm.").format(
            name=name, day=held, length=length
        )
        if later is None
        else _(
            "✅ Saved: you met {name} {day}, {length}. I will ask {name} to confirm {when}."
        ).format(name=name, day=held, length=length, when=later)
    ]
    goals = list(found.rhythm.view.pair.goals or ())
    if topic is not None:
        lines.append(_("Goal: {goal}").format(goal=goal_label(topic)))
        return "\n".join(lines), None
    if not goals:
        return "\n".join(lines), None
    lines.append(_("Did you work on a goal? Tap it if you want."))
    buttons = [
        InlineKeyboardButton(goal_label(goal), callback_data=build("mg", meeting.id, index))
        for index, goal in enumerate(goals)
    ]
    return "\n".join(lines), markup(rows(buttons, 1))


async def topic_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    """A goal tapped on the receipt of a logged meeting."""
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    result = await _meetings(context).set_topic(me.person, data.int("meeting"), data.int("goal"))
    if isinstance(result, Refusal):
        await query.answer(_refusal(result))
        return
    await query.answer()
    found, meeting, topic = result
    text, keyboard = _receipt(found, meeting, topic, sent_later(context, found.programme))
    await message.edit_text(text, reply_markup=keyboard)


# «did you meet?» the day after a planned meeting


async def did_meet_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    """Yes: the same logging as /met, with the planned day filled in; no: a new date."""
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    result = await _meetings(context).did_meet(me.person, data.int("planned"))
    if isinstance(result, Refusal):
        await query.answer(_refusal(result))
        if result.problem is Problem.LOGGED:
            await message.edit_reply_markup(reply_markup=None)
        return
    await query.answer()
    found, plan = result
    if data.values["answer"] == "n":
        await _ask_plan_day(message, context, found.pair_id, edit=True)
        return
    usual = usual_minutes(found.rhythm.history.meetings)
    filled: dict[str, object] = {
        "pair_id": found.pair_id,
        "usual": USUAL_MINUTES if usual is None else usual,
        "day": plan.planned_on.isoformat(),
    }
    await _ask_minutes(message, context, me.person, filled, edit=True)


# confirming a meeting


async def meeting_answered(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    meeting_id, answer = data.int("meeting"), data.values["answer"]
    if answer == "d":
        async with deps(context).services.db.unit() as uow:
            found = await uow.meetings.meeting(meeting_id)
        if found is None:
            await query.answer(_("This button is old. Nothing was changed."))
            return
        await query.answer()
        await _set_dialogue(
            context,
            Dialogue(me.person.id, MEETING_DATE_FLOW, "day", {"meeting_id": meeting_id}),
            me.person,
        )
        await message.reply_text(
            _("Which day did you meet? Write the date, like 3.12 or «tuesday».")
        )
        return
    status = MeetingStatus.CONFIRMED if answer == "y" else MeetingStatus.DISPUTED
    result = await _meetings(context).answer_meeting(me.person, meeting_id, status)
    if isinstance(result, Refusal):
        await query.answer(_refusal(result))
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    confirmed_in, _meeting, check_in = result
    if check_in is None:
        await message.reply_text(_("Thank you. I have noted that you did not meet then."))
        return
    await message.reply_text(_("✅ Thank you, the meeting is confirmed."))
    await _ask_score(message, check_in, confirmed_in.programme)


# check-ins


async def _ask_score(message: Message, check_in_id: int, programme: Programme) -> None:
    buttons = [
        InlineKeyboardButton(str(score), callback_data=build("ck", check_in_id, "s", score))
        for score in range(1, 6)
    ]
    await message.reply_text(
        relabel(
            "How is the mentorship going for you? Tap a number: 1 is bad, 5 is very good.\n"
            "Only the coordinator sees your answer.",
            programme.role_labels,
        ),
        reply_markup=markup([buttons]),
    )


async def period_check_in_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    query, _message, me = press
    started = await _meetings(context).start_period_check_in(me.person, data.int("pair"))
    if isinstance(started, Refusal):
        await query.answer(_refusal(started))
        return
    await _check_in_answer(update, context, me.person, started, "s", data.values["score"])


async def check_in_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    me = actor()
    if me is None:
        return
    await _check_in_answer(
        update, context, me.person, data.int("check_in"), data.values["step"], data.values["value"]
    )


async def _check_in_answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    check_in_id: int,
    step: str,
    value: str,
) -> None:
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    service = _meetings(context)
    if step == "s":
        result = await service.check_in_step(person, check_in_id, score=int(value))
    elif step == "g":
        current = await service.check_in_step(person, check_in_id)
        if isinstance(current, Refusal):
            await query.answer(_refusal(current))
            return
        goals = list(current[1].rhythm.view.pair.goals or ())
        if not value.isdigit() or int(value) >= len(goals):
            await query.answer(_("This button is old. Nothing was changed."))
            return
        result = await service.check_in_step(person, check_in_id, goal=goals[int(value)])
    elif step == "h":
        result = await service.check_in_step(person, check_in_id, needs_help=True, finish=True)
    else:  # "gd" goals done, "x" no comment
        result = await service.check_in_step(person, check_in_id, finish=step == "x")
    if isinstance(result, Refusal):
        await query.answer(_refusal(result))
        return
    await query.answer()
    check_in, found = result
    goals = list(found.rhythm.view.pair.goals or ())
    is_adept = person.id == found.rhythm.view.pair.adept_id
    if step == "g":
        await query.edit_message_reply_markup(
            reply_markup=_goal_keyboard(check_in_id, goals, check_in.goals_progressed)
        )
        return
    await query.edit_message_reply_markup(reply_markup=None)
    if step == "h":
        wake_delivery(context)
        await _set_dialogue(
            context,
            Dialogue(person.id, COMMENT_FLOW, "help", {"check_in_id": check_in_id, "help": True}),
            person,
        )
        await query.message.reply_text(
            _(
                "Thank you. The coordinator will contact you soon.\n"
                "If you want, write what you need help with. Only the coordinator sees it."
            )
        )
        return
    if step == "x":
        await query.message.reply_text(_("Thank you! Only the coordinator sees your answer."))
        return
    if step == "s" and is_adept and goals:
        await query.message.reply_text(
            _("Did you get closer to a goal? Tap the goals, then «Done»."),
            reply_markup=_goal_keyboard(check_in_id, goals, ()),
        )
        return
    await _set_dialogue(
        context, Dialogue(person.id, COMMENT_FLOW, "comment", {"check_in_id": check_in_id}), person
    )
    await query.message.reply_text(
        _(
            "Anything to add? Write a short comment, or tap a button. "
            "Only the coordinator sees it. {warning}"
        ).format(warning=privacy_warning()),
        reply_markup=markup(
            [
                [
                    InlineKeyboardButton(
                        _("No comment"), callback_data=build("ck", check_in_id, "x", 0)
                    )
                ],
                [
                    InlineKeyboardButton(
                        _("I need help"), callback_data=build("ck", check_in_id, "h", 0)
                    )
                ],
            ]
        ),
    )


def _goal_keyboard(
    check_in_id: int, goals: list[str], ticked: tuple[str, ...]
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            (CHECK if goal in ticked else "") + goal_label(goal),
            callback_data=build("ck", check_in_id, "g", index),
        )
        for index, goal in enumerate(goals)
    ]
    keyboard = rows(buttons, 1)
    keyboard.append(
        [InlineKeyboardButton(_("Done"), callback_data=build("ck", check_in_id, "gd", 0))]
    )
    return markup(keyboard)


# status and pause


async def status_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await member_command(update)
    if command is None:
        return
    message, me = command
    # The pair and its status in one go: most people have one pair.
    status = await _meetings(context).status_of_only_pair(me.person)
    if isinstance(status, list):
        await _no_pair_or_choose(message, me.person, status, "status")
    else:
        await _reply_status(message, status)


async def _show_status(message: Message, context: ContextTypes.DEFAULT_TYPE, pair_id: int) -> None:
    me = actor()
    assert me is not None
    await _reply_status(message, await _meetings(context).status(me.person, pair_id))


async def _reply_status(message: Message, status: Status | Refusal[Problem]) -> None:
    if isinstance(status, Refusal):
        await message.reply_text(_refusal(status))
        return
    found = status.context
    language = current_language()
    lines = [_("You and {name}:").format(name=found.other.first_name)]
    if found.rhythm.view.pair.paused_until is not None:
        lines.append(
            _("⏳ Paused until {day}.").format(
                day=dates.format_day(
                    found.rhythm.view.pair.paused_until, language, today=found.today
                )
            )
        )
    lines.append(
        _("✅ You have met this period.")
        if status.met_this_period
        else _("⏳ You have not met yet this period.")
    )
    if status.next_planned is not None:
        lines.append(_("Next meeting: {when}.").format(when=when(status.next_planned, found.today)))
    if status.last_meetings:
        days = ", ".join(
            dates.format_day(m.held_on, language, today=found.today) for m in status.last_meetings
        )
        lines.append(_("Last meetings: {days}.").format(days=days))
    goals = found.rhythm.view.pair.goals
    if goals:
        lines.append(_("Goals: {goals}").format(goals="; ".join(goal_label(g) for g in goals)))
    await message.reply_text("\n".join(lines))


async def pause_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _with_pair(update, context, "pause")
    if found is not None:
        message, pair_id = found
        await _ask_pause(message, context, pair_id)


async def _ask_pause(message: Message, context: ContextTypes.DEFAULT_TYPE, pair_id: int) -> None:
    me = actor()
    assert me is not None
    found = await _meetings(context).context(me.person, pair_id)
    if isinstance(found, Refusal):
        await message.reply_text(_refusal(found))
        return
    await _set_dialogue(
        context, Dialogue(me.person.id, PAUSE_FLOW, "day", {"pair_id": pair_id}), me.person
    )
    buttons = [
        InlineKeyboardButton(_("2 weeks"), callback_data=build("pz", pair_id, 14)),
        InlineKeyboardButton(_("1 month"), callback_data=build("pz", pair_id, 30)),
        InlineKeyboardButton(_("2 months"), callback_data=build("pz", pair_id, 61)),
    ]
    lines = []
    paused_until = found.rhythm.view.pair.paused_until
    # Ending a pause is offered only when there is one to end.
    if paused_until is not None and paused_until >= found.today:
        buttons.append(
            InlineKeyboardButton(_("End the pause"), callback_data=build("pz", pair_id, 0))
        )
        lines.append(
            _("⏳ Paused until {day}.").format(
                day=dates.format_day(paused_until, current_language(), today=found.today)
            )
        )
    lines.append(
        _(
            "A pause stops the reminders, for example during holidays or illness. For how long? Or write the last day, like 3.12."
        )
    )
    await message.reply_text("\n".join(lines), reply_markup=markup(rows(buttons, 2)))


async def pause_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    pair_id, days = data.int("pair"), data.int("days")
    found = await _meetings(context).context(me.person, pair_id)
    if isinstance(found, Refusal):
        await query.answer(_refusal(found))
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await _pause(
        message,
        context,
        me.person,
        pair_id,
        found.today + timedelta(days=days) if days else None,
    )


async def _pause(
    message: Message,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    pair_id: int,
    until: date | None,
) -> None:
    result = await _meetings(context).pause(person, pair_id, until)
    await _set_dialogue(context, None, person)
    if isinstance(result, Refusal):
        await message.reply_text(_refusal(result))
        return
    wake_delivery(context)
    name = result.other.first_name
    # The coordinator is told at once; the other party inside the programme's hours.
    later = sent_later(context, result.programme)
    if until is None and later is None:
        reply = _("✅ The pause is over. I have told {name} and the coordinator.").format(name=name)
    elif until is None:
        reply = _(
            "✅ The pause is over. I have told the coordinator, and will tell {name} {when}."
        ).format(name=name, when=later)
    else:
        day = dates.format_day(until, current_language(), today=result.today)
        if later is None:
            reply = _("✅ Paused until {day}. I have told {name} and the coordinator.").format(
                day=day, name=name
            )
        else:
            reply = _(
                "✅ Paused until {day}. I have told the coordinator, and will tell {name} {when}."
            ).format(day=day, name=name, when=later)
    await message.reply_text(reply)


# typed answers


async def text_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A date, a comment or a pause day typed in one of the flows above; False otherwise."""
    message = update.effective_message
    me = actor()
    if message is None or me is None or message.text is None:
        return False
    dialogue = await _dialogue(context, me.person)
    if dialogue is None or dialogue.flow not in (
        PLAN_FLOW,
        MET_FLOW,
        MEETING_DATE_FLOW,
        COMMENT_FLOW,
        PAUSE_FLOW,
    ):
        return False
    service = _meetings(context)
    text = message.text
    if dialogue.flow == COMMENT_FLOW and (answer := too_long(text, MAX_COMMENT)) is not None:
        # The question stays open for a shorter text.
        await message.reply_text(answer)
        return True
    if dialogue.flow == COMMENT_FLOW and dialogue.data.get("help"):
        comment = " ".join(text.split())
        alerts = deps(context).alerts
        await _set_dialogue(context, None, me.person)
        if await alerts.help_comment(me.person, int(dialogue.data["check_in_id"]), comment):
            wake_delivery(context)
        await message.reply_text(_("Thank you. I have sent it to the coordinator."))
        return True
    if dialogue.flow == COMMENT_FLOW:
        comment = " ".join(text.split())
        result = await service.check_in_step(
            me.person, int(dialogue.data["check_in_id"]), comment=comment, finish=True
        )
        await _set_dialogue(context, None, me.person)
        await message.reply_text(
            _refusal(result)
            if isinstance(result, Refusal)
            else _("Thank you! Only the coordinator sees your answer.")
        )
        return True
    if dialogue.flow == MEETING_DATE_FLOW:
        async with deps(context).services.db.unit() as uow:
            found_meeting = await uow.meetings.meeting(int(dialogue.data["meeting_id"]))
        if found_meeting is None:
            await _set_dialogue(context, None, me.person)
            return False
        found = await service.context(me.person, found_meeting[0])
        if isinstance(found, Refusal):
            await message.reply_text(_refusal(found))
            return True
        parsed = dates.parse_date(text, found.today, allow_past=True, allow_future=False)
        if isinstance(parsed, dates.DateProblem):
            await message.reply_text(_date_problem(parsed))
            return True
        answered = await service.answer_meeting(
            me.person, int(dialogue.data["meeting_id"]), MeetingStatus.CONFIRMED, parsed.day
        )
        await _set_dialogue(context, None, me.person)
        if isinstance(answered, Refusal):
            await message.reply_text(_refusal(answered))
            return True
        await message.reply_text(
            _("✅ Thank you, the meeting is confirmed for {day}.").format(
                day=dates.format_day(parsed.day, current_language(), today=found.today)
            )
        )
        if answered[2] is not None:
            await _ask_score(message, answered[2], answered[0].programme)
        return True
    pair_id = int(dialogue.data["pair_id"])
    found = await service.context(me.person, pair_id)
    if isinstance(found, Refusal):
        await _set_dialogue(context, None, me.person)
        await message.reply_text(_refusal(found))
        return True
    if dialogue.flow == MET_FLOW:
        if dialogue.step != "day":
            await message.reply_text(_("Please tap one of the buttons."))
            return True
        parsed = dates.parse_date(text, found.today, allow_past=True, allow_future=False)
        if isinstance(parsed, dates.DateProblem):
            await message.reply_text(_date_problem(parsed))
            return True
        data = {**dialogue.data, "day": parsed.day.isoformat()}
        if "minutes" in data:
            await _save_meeting(message, context, me.person, data, edit=False)
        else:
            await _ask_minutes(message, context, me.person, data, edit=False)
        return True
    parsed = dates.parse_date(text, found.today)
    if isinstance(parsed, dates.DateProblem):
        await message.reply_text(_date_problem(parsed))
        return True
    if dialogue.flow == PAUSE_FLOW:
        await _pause(message, context, me.person, pair_id, parsed.day)
        return True
    proposed = await service.propose(me.person, pair_id, parsed.day, parsed.time)
    await _set_dialogue(context, None, me.person)
    if isinstance(proposed, Refusal):
        await message.reply_text(_refusal(proposed))
        return True
    wake_delivery(context)
    await message.reply_text(_asked(context, found, proposed[1]))
    return True


def _asked(context: ContextTypes.DEFAULT_TYPE, found: PairContext, plan: PlannedFact) -> str:
    """The reply to a proposed date: asked now, or when the question goes out."""
    later = sent_later(context, found.programme)
    if later is None:
        return _("✅ I have asked {name} if {when} works. I will tell you the answer.").format(
            name=found.other.first_name, when=when(plan, found.today)
        )
    return _("✅ I will ask {name} {sends} if {when} works. I will tell you the answer.").format(
        name=found.other.first_name, sends=later, when=when(plan, found.today)
    )


def _day(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None
