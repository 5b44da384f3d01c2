"""The meeting rhythm in chat: answering nudges, planning a date, /met, confirming a
meeting, check-ins, /status and /pause.

Each handler parses the update, calls one use case of bot/usecases/meetings.py (which
stores the dialogue's next step with what the answer changed) and renders the step it
returns."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain import dates
from bot.domain.model import PairView, Person, Programme
from bot.domain.rhythm import MeetingFact, MeetingStatus, PlannedFact
from bot.runtime.i18n import _, current_language
from bot.texts.buttons import Callback, build
from bot.texts.common import duration, goal_label, privacy_warning, relabel
from bot.texts.meetings import when
from bot.usecases.meetings import (
    MAX_COMMENT,
    MINUTE_CHOICES,
    TYPED,
    AskMeetingDay,
    AskMetDay,
    AskMinutes,
    AskPause,
    AskPlanDay,
    AskWhenMet,
    CheckInAsk,
    CheckInNext,
    Commented,
    HasDate,
    Later,
    Logged,
    MeetingAnswered,
    Meetings,
    PairContext,
    Paused,
    Problem,
    ProposalAccepted,
    Proposed,
    Refused,
    Status,
    Step,
    TypeAgain,
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

# The flows whose typed answers this module's use case takes (its one table).
FLOWS: frozenset[str | None] = frozenset(TYPED)


def _meetings(context: ContextTypes.DEFAULT_TYPE) -> Meetings:
    return deps(context).meetings


def _refusal(problem: Problem) -> str:
    texts = {
        Problem.NOT_YOURS: _("This button is not for you."),
        Problem.NOT_ACTIVE: _("This pair is not active now."),
        Problem.NO_PAIR: _("You do not have an active pair yet."),
        Problem.LOGGED: _("This meeting is logged already. Thank you!"),
    }
    return texts.get(problem, _("This button is old. Nothing was changed."))


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


def _stored(step: Step) -> Step:
    """Tells the rest of this update the dialogue the step left (it saves a read)."""
    if step.stored is not None:
        dialogue_changed(step.stored.dialogue, known=True)
    return step


async def _say(
    message: Message, text: str, keyboard: InlineKeyboardMarkup | None, edit: bool
) -> None:
    """`edit` turns the bot's message pressed into this one, else it is a reply."""
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.reply_text(text, reply_markup=keyboard)


async def _show(
    message: Message, context: ContextTypes.DEFAULT_TYPE, step: Step, *, edit: bool = False
) -> None:
    """Renders a step of the meeting dialogue: what was done, and the question it asks."""
    match step:
        case Refused(problem=problem):
            await message.reply_text(_refusal(problem))
        case AskPlanDay(context=found):
            await _ask_plan_day(message, found, edit=edit)
        case AskWhenMet(pair_id=pair_id, usual=usual):
            await _ask_when_met(message, pair_id, usual, edit=edit)
        case AskMinutes(pair_id=pair_id, usual=usual):
            await _say(
                message, _("About how long did you meet?"), _minutes_keyboard(pair_id, usual), edit
            )
        case AskMetDay(pair_id=pair_id):
            await _ask_met_day(message, pair_id)
        case AskMeetingDay():
            await message.reply_text(
                _("Which day did you meet? Write the date, like 3.12 or «tuesday».")
            )
        case AskPause(context=found):
            await _ask_pause(message, found)
        case HasDate(context=found, planned=planned):
            await message.reply_text(
                _("You already have a date: you meet {name} {when}. /status shows more.").format(
                    name=found.other.first_name, when=when(planned, found.today)
                )
            )
        case Later():
            await message.reply_text(_("OK. Write /plan when you have a date."))
        case Proposed(context=found, plan=plan):
            wake_delivery(context)
            await message.reply_text(_asked(context, found, plan))
        case ProposalAccepted(context=found, plan=plan):
            await message.reply_text(
                _("✅ Great! You meet {name} {when}. I will remind you the day before.").format(
                    name=found.other.first_name, when=when(plan, found.today)
                )
            )
        case Logged(context=found, meeting=meeting, check_in=check_in):
            wake_delivery(context)
            text, keyboard = _receipt(found, meeting, None, sent_later(context, found.programme))
            await _say(message, text, keyboard, edit)
            await _ask_score(message, check_in, found.programme)
        case MeetingAnswered():
            await _meeting_answered(message, step)
        case CheckInNext():
            await _check_in_next(message, context, step)
        case Commented(help=True, sent=sent):
            if sent:
                wake_delivery(context)
            await message.reply_text(_("Thank you. I have sent it to the coordinator."))
        case Commented():
            await message.reply_text(_("Thank you! Only the coordinator sees your answer."))
        case Paused():
            wake_delivery(context)
            await message.reply_text(_paused(context, step))
        case TypeAgain(too_long=True):
            answer = too_long(message.text or "", MAX_COMMENT)
            assert answer is not None
            await message.reply_text(answer)
        case TypeAgain(date_problem=None):
            await message.reply_text(_("Please tap one of the buttons."))
        case TypeAgain(date_problem=problem):
            assert problem is not None
            await message.reply_text(_date_problem(problem))


async def _press_taken(update: Update, step: Step, *, keep_markup: bool = False) -> bool:
    """Answers the button: a refusal of the press itself on the button (False: nothing
    more to show); else the button is answered and, unless `keep_markup` (the message
    turns into the next question), its keyboard removed."""
    query = update.callback_query
    assert query is not None
    if isinstance(step, Refused) and not step.follow_up:
        await query.answer(_refusal(step.problem))
        return False
    await query.answer()
    if not keep_markup:
        await query.edit_message_reply_markup(reply_markup=None)
    return True


# choosing the pair (a mentor may have several adepts)


async def _with_pair(
    update: Update, context: ContextTypes.DEFAULT_TYPE, command: str
) -> tuple[Message, Person, int] | None:
    """The command's message, its sender and their one live pair; None once a stranger
    is told how to join, or the sender that they have no pair or asked which of several."""
    found = await member_command(update)
    if found is None:
        return None
    message, me = found
    views = await _meetings(context).live_pairs(me.person)
    if len(views) == 1:
        return message, me.person, views[0].pair.id
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


async def _start(
    message: Message, context: ContextTypes.DEFAULT_TYPE, person: Person, command: str, pair_id: int
) -> None:
    """The first question of /met, /plan or /pause, or /status, for one pair."""
    service = _meetings(context)
    if command == "status":
        await _reply_status(message, await service.status(person, pair_id))
        return
    ask = {"met": service.ask_when_met, "plan": service.ask_plan_day, "pause": service.ask_pause}
    await _show(message, context, _stored(await ask[command](person, pair_id)))


async def pair_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    found = await pressed_or_answer(update, _("This button is old. Nothing was changed."))
    if found is None:
        return
    query, message, me = found
    await query.answer()
    await _start(message, context, me.person, data.values["command"], data.int("pair"))


async def met_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _with_pair(update, context, "met")
    if found is not None:
        message, person, pair_id = found
        await _start(message, context, person, "met", pair_id)


async def plan_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _with_pair(update, context, "plan")
    if found is not None:
        message, person, pair_id = found
        await _start(message, context, person, "plan", pair_id)


async def pause_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _with_pair(update, context, "pause")
    if found is not None:
        message, person, pair_id = found
        await _start(message, context, person, "pause", pair_id)


# answering a nudge


async def nudge_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    press = pressed(update)
    if press is None:
        return
    _query, message, me = press
    choice = data.values["choice"]
    step = _stored(await _meetings(context).nudge_answered(me.person, data.int("pair"), choice))
    # «met»: the question turns into the logging's first step.
    if await _press_taken(update, step, keep_markup=choice == "met"):
        await _show(message, context, step, edit=choice == "met")


# planning a date


def _plan_day_keyboard(found: PairContext) -> InlineKeyboardMarkup:
    days = dates.suggested_days(
        found.today, found.programme.working_days, country=found.programme.country
    )
    buttons = [
        InlineKeyboardButton(
            dates.format_short(day, current_language()),
            callback_data=build("pl", found.pair_id, f"{day:%Y%m%d}"),
        )
        for day in days
    ]
    return markup(rows(buttons, 2))


async def _ask_plan_day(message: Message, found: PairContext, *, edit: bool) -> None:
    text = _(
        "Which day will you meet {name}? Tap a day, or write a date and time, like «3.12 kl 17»."
    ).format(name=found.other.first_name)
    await _say(message, text, _plan_day_keyboard(found), edit)


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
    step = _stored(await _meetings(context).plan_day_chosen(me.person, data.int("pair"), day))
    if await _press_taken(update, step):
        await _show(message, context, step)


async def proposal_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    _query, message, me = press
    accept = data.values["answer"] == "y"
    step = await _meetings(context).proposal_answered(me.person, data.int("planned"), accept)
    if await _press_taken(update, _stored(step)):
        # The answer is queued to the proposer, whatever is asked next.
        wake_delivery(context)
        await _show(message, context, step)


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


# logging a meeting
#
# The common case is one tap: the day (today or yesterday) at the pair's usual length.
# Each further step edits the question into the next one, and the question becomes the
# receipt: logging leaves one message, then the check-in asks its own.


async def _ask_when_met(message: Message, pair_id: int, usual: int, *, edit: bool) -> None:
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
    await _say(message, text, keyboard, edit)


def _minutes_keyboard(pair_id: int, usual: int) -> InlineKeyboardMarkup:
    """The lengths to choose from, the pair's usual one first."""
    choices = [usual, *(m for m in MINUTE_CHOICES if m != usual)]
    buttons = [
        InlineKeyboardButton(duration(m), callback_data=build("ml", pair_id, "m", m))
        for m in choices
    ]
    return markup(rows(buttons, 3))


async def _ask_met_day(message: Message, pair_id: int) -> None:
    """Which day, once the length is chosen: the length question turns into this one."""
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


async def met_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    press = pressed(update)
    if press is None:
        return
    _query, message, me = press
    step = await _meetings(context).met_chosen(
        me.person,
        data.int("pair"),
        data.values["step"],
        data.values["value"],
        dialogue_on_arrival(),
    )
    if await _press_taken(update, _stored(step), keep_markup=True):
        await _show(message, context, step, edit=True)


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
        await query.answer(_refusal(result.problem))
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
    _query, message, me = press
    met = data.values["answer"] == "y"
    step = await _meetings(context).did_meet_answered(me.person, data.int("planned"), met)
    if not await _press_taken(update, _stored(step), keep_markup=True):
        if isinstance(step, Refused) and step.problem is Problem.LOGGED:
            await message.edit_reply_markup(reply_markup=None)
        return
    await _show(message, context, step, edit=True)


# confirming a meeting


async def meeting_answered(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    _query, message, me = press
    answer = data.values["answer"]
    status = {"y": MeetingStatus.CONFIRMED, "n": MeetingStatus.DISPUTED}.get(answer)
    step = await _meetings(context).meeting_answered(me.person, data.int("meeting"), status)
    # «Another day»: the question stays, the day is asked below it.
    if await _press_taken(update, _stored(step), keep_markup=status is None):
        await _show(message, context, step)


async def _meeting_answered(message: Message, step: MeetingAnswered) -> None:
    found = step.context
    if step.check_in is None:
        await message.reply_text(_("Thank you. I have noted that you did not meet then."))
        return
    if step.day is None:
        await message.reply_text(_("✅ Thank you, the meeting is confirmed."))
    else:
        await message.reply_text(
            _("✅ Thank you, the meeting is confirmed for {day}.").format(
                day=dates.format_day(step.day, current_language(), today=found.today)
            )
        )
    await _ask_score(message, step.check_in, found.programme)


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
    _query, message, me = press
    step = await _meetings(context).period_check_in_answered(
        me.person, data.int("pair"), data.int("score")
    )
    await _check_in_pressed(update, context, message, step)


async def check_in_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    _query, message, me = press
    step = await _meetings(context).check_in_answered(
        me.person, data.int("check_in"), data.values["step"], data.int("value")
    )
    await _check_in_pressed(update, context, message, step)


async def _check_in_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message, step: Step
) -> None:
    # A goal ticked keeps the question (its keyboard is redrawn); the rest ends it.
    ticked = isinstance(step, CheckInNext) and step.ask is CheckInAsk.TICKED
    if await _press_taken(update, _stored(step), keep_markup=ticked):
        await _show(message, context, step)


async def _check_in_next(
    message: Message, context: ContextTypes.DEFAULT_TYPE, step: CheckInNext
) -> None:
    check_in_id = step.check_in.id
    match step.ask:
        case CheckInAsk.TICKED:
            await message.edit_reply_markup(
                reply_markup=_goal_keyboard(check_in_id, step.goals, step.check_in.goals_progressed)
            )
        case CheckInAsk.HELP:
            wake_delivery(context)
            await message.reply_text(
                _(
                    "Thank you. The coordinator will contact you soon.\n"
                    "If you want, write what you need help with. Only the coordinator sees it."
                )
            )
        case CheckInAsk.DONE:
            await message.reply_text(_("Thank you! Only the coordinator sees your answer."))
        case CheckInAsk.GOALS:
            await message.reply_text(
                _("Did you get closer to a goal? Tap the goals, then «Done»."),
                reply_markup=_goal_keyboard(check_in_id, step.goals, ()),
            )
        case CheckInAsk.COMMENT:
            await message.reply_text(
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


async def _reply_status(message: Message, status: Status | Refusal[Problem]) -> None:
    if isinstance(status, Refusal):
        await message.reply_text(_refusal(status.problem))
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


async def _ask_pause(message: Message, found: PairContext) -> None:
    pair_id = found.pair_id
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
    _query, message, me = press
    step = await _meetings(context).pause_chosen(me.person, data.int("pair"), data.int("days"))
    if await _press_taken(update, _stored(step)):
        await _show(message, context, step)


def _paused(context: ContextTypes.DEFAULT_TYPE, step: Paused) -> str:
    found, until = step.context, step.until
    name = found.other.first_name
    # The coordinator is told at once; the other party inside the programme's hours.
    later = sent_later(context, found.programme)
    if until is None and later is None:
        return _("✅ The pause is over. I have told {name} and the coordinator.").format(name=name)
    if until is None:
        return _(
            "✅ The pause is over. I have told the coordinator, and will tell {name} {when}."
        ).format(name=name, when=later)
    day = dates.format_day(until, current_language(), today=found.today)
    if later is None:
        return _("✅ Paused until {day}. I have told {name} and the coordinator.").format(
            day=day, name=name
        )
    return _(
        "✅ Paused until {day}. I have told the coordinator, and will tell {name} {when}."
    ).format(day=day, name=name, when=later)


# typed answers


async def text_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A date, a comment or a pause day typed in one of the flows above; False otherwise."""
    message = update.effective_message
    me = actor()
    if message is None or me is None or message.text is None:
        return False
    step = await _meetings(context).text_answered(me.person, message.text, dialogue_on_arrival())
    if step is None:
        return False
    await _show(message, context, _stored(step))
    return True
