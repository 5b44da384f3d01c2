"""Coordinator commands in a private chat: /invite, /pair and /pairs."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain.access import Action, Actor, allowed_programmes, coordinated_programmes
from bot.domain.invites import invite_link
from bot.domain.model import PairState, PairView, Person, Role
from bot.domain.roles import WRITTEN_ROLE_WORDS
from bot.runtime.i18n import _, format_day, ngettext
from bot.texts.alerts import reason_name
from bot.texts.buttons import Callback, build
from bot.texts.common import role_name
from bot.usecases.pairing import PairProblem
from handlers.common import actor, deps, sent_later, wake_delivery
from handlers.render import distinct_names, markup, pair_problem, rows, which_programme


def state_text(state: PairState) -> str:
    texts = {
        PairState.AWAITING_AGREEMENT: _("awaiting agreement"),
        PairState.ACTIVE: _("active"),
        PairState.PAUSED: _("paused"),
        PairState.ENDED: _("ended"),
    }
    return texts[state]


async def refuse(message: Message) -> None:
    await message.reply_text(_("Only coordinators can do this."))


def coordinator_actor() -> Actor | None:
    """The person behind the update if they coordinate a programme, else None."""
    me = actor()
    return me if me is not None and coordinated_programmes(me) else None


async def coordinator_command(update: Update) -> tuple[Message, Actor] | None:
    """A coordinator's command and who sent it; anyone else is refused (None)."""
    message = update.effective_message
    if message is None:
        return None
    me = coordinator_actor()
    if me is None:
        await refuse(message)
        return None
    return message, me


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await coordinator_command(update)
    if command is None:
        return
    message, me = command
    word = (context.args[0].lower() if context.args else "").strip()
    role = WRITTEN_ROLE_WORDS.get(word)
    programmes = allowed_programmes(me, Action.INVITE)
    if role is None or len(programmes) > 1:
        await message.reply_text(
            _("Who is the link for?"),
            reply_markup=await _invite_keyboard(context, programmes, role),
        )
        return
    await _send_invite(message, context, role, programmes[0])


async def _invite_keyboard(
    context: ContextTypes.DEFAULT_TYPE, programme_ids: list[int], role: Role | None
) -> InlineKeyboardMarkup:
    roles = [role] if role else [Role.MENTOR, Role.ADEPT, Role.COORDINATOR]
    services = deps(context).services
    buttons = []
    for programme_id in programme_ids:
        programme = await services.programme(programme_id)
        for each in roles:
            label = (
                _("{role} in {programme}").format(
                    role=role_name(each, programme.role_labels), programme=programme.name
                )
                if programme and len(programme_ids) > 1
                else role_name(each, programme.role_labels if programme else "mentor").capitalize()
            )
            buttons.append(
                InlineKeyboardButton(label, callback_data=build("iv", each.value, programme_id))
            )
    return markup(rows(buttons, 1 if len(programme_ids) > 1 else 3))


async def invite_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    query = update.callback_query
    me = coordinator_actor()
    if query is None or not isinstance(query.message, Message):
        return
    programme_id = data.int("programme")
    if programme_id not in allowed_programmes(me, Action.INVITE):
        await query.answer(_("Only coordinators can do this."))
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await _send_invite(query.message, context, Role(data.values["role"]), programme_id)


async def _send_invite(
    message: Message, context: ContextTypes.DEFAULT_TYPE, role: Role, programme_id: int
) -> None:
    services = deps(context).services
    programme = await services.programme(programme_id)
    [token] = await services.create_invites(programme_id, role, by=actor())
    days = services.invite_ttl.days
    await message.reply_text(
        ngettext(
            "Link for a new {role} in {programme}. It works once, for {days} day:\n{link}",
            "Link for a new {role} in {programme}. It works once, for {days} days:\n{link}",
            days,
        ).format(
            role=role_name(role, programme.role_labels if programme else "mentor"),
            programme=programme.name if programme else "",
            days=days,
            link=invite_link(context.bot.username, token),
        ),
        link_preview_options=None,
    )


async def pair(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await coordinator_command(update)
    if command is None:
        return
    message, me = command
    programmes = allowed_programmes(me, Action.PAIR)
    if len(programmes) > 1:
        found = await deps(context).services.programmes(programmes)
        text, keyboard = which_programme(found, lambda programme_id: build("pp", programme_id))
        await message.reply_text(text, reply_markup=keyboard)
        return
    await _choose_mentor(message, context, me, programmes[0])


async def programme_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    query = update.callback_query
    me = coordinator_actor()
    if query is None or not isinstance(query.message, Message):
        return
    if me is None or data.int("programme") not in allowed_programmes(me, Action.PAIR):
        await query.answer(_("Only coordinators can do this."))
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await _choose_mentor(query.message, context, me, data.int("programme"))


def pair_made(view: PairView, labels: str, later: str | None) -> str:
    """A new pair, and whether its introductions went now or when they go (`later`)."""
    names = {"mentor": view.mentor.first_name, "adept": view.adept.first_name}
    if later is None:
        if labels == "trainee":
            return _(
                "✅ Pair made: {mentor} (supervisor) and {adept} (trainee). I have told them both."
            ).format(**names)
        return _(
            "✅ Pair made: {mentor} (mentor) and {adept} (adept). I have told them both."
        ).format(**names)
    if labels == "trainee":
        return _(
            "✅ Pair made: {mentor} (supervisor) and {adept} (trainee). I will tell them both {when}."
        ).format(**names, when=later)
    return _(
        "✅ Pair made: {mentor} (mentor) and {adept} (adept). I will tell them both {when}."
    ).format(**names, when=later)


async def _labels(context: ContextTypes.DEFAULT_TYPE, programme_id: int) -> str:
    programme = await deps(context).services.programme(programme_id)
    return programme.role_labels if programme else "mentor"


def _all_paired(labels: str) -> str:
    if labels == "trainee":
        return _("All trainees have a supervisor. Invite a trainee with /invite trainee.")
    return _("All adepts have a mentor. Invite an adept with /invite adept.")


def _with_said_no(text: str, said_no: list[Person]) -> str:
    """The coordinator sees who said no to taking part: they are never offered."""
    if not said_no:
        return text
    return _("{text}\nSaid no to taking part: {names}.").format(
        text=text, names=", ".join(person.first_name for person in said_no)
    )


async def _choose_mentor(
    message: Message, context: ContextTypes.DEFAULT_TYPE, me: Actor, programme_id: int
) -> None:
    candidates = await deps(context).pairing.pair_candidates(me, programme_id)
    if candidates is None:
        await refuse(message)
        return
    labels = await _labels(context, programme_id)
    if not candidates.mentors:
        await message.reply_text(
            _with_said_no(
                _(
                    "No supervisor has room for a trainee. "
                    "Invite a supervisor with /invite supervisor."
                )
                if labels == "trainee"
                else _("No mentor has room for an adept. Invite a mentor with /invite mentor."),
                candidates.said_no,
            )
        )
        return
    if not candidates.adepts:
        await message.reply_text(_with_said_no(_all_paired(labels), candidates.said_no))
        return
    # Two «Ola» must not look the same on their buttons.
    names = distinct_names([person for person, _free in candidates.mentors])
    buttons = [
        InlineKeyboardButton(
            ngettext("{name} ({free} free place)", "{name} ({free} free places)", free).format(
                name=names[person.id], free=free
            ),
            callback_data=build("pm", programme_id, person.id),
        )
        for person, free in candidates.mentors
    ]
    await message.reply_text(
        _with_said_no(
            _("Step 1 of 2: Choose the supervisor.")
            if labels == "trainee"
            else _("Step 1 of 2: Choose the mentor."),
            candidates.said_no,
        ),
        reply_markup=markup(rows(buttons, 2)),
    )


async def mentor_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    query = update.callback_query
    me = coordinator_actor()
    if query is None or not isinstance(query.message, Message):
        return
    programme_id, mentor_id = data.int("programme"), data.int("mentor")
    candidates = await deps(context).pairing.pair_candidates(me, programme_id) if me else None
    if candidates is None:
        await query.answer(_("Only coordinators can do this."))
        return
    labels = await _labels(context, programme_id)
    mentor = next((p for p, _free in candidates.mentors if p.id == mentor_id), None)
    if mentor is None:
        await query.answer(pair_problem(PairProblem.MENTOR_FULL, labels, "/pair"))
        return
    await query.answer()
    names = distinct_names(list(candidates.adepts))
    buttons = [
        InlineKeyboardButton(
            _("{name} ({field})").format(name=names[adept.id], field=adept.field_of_work)
            if adept.field_of_work
            else names[adept.id],
            callback_data=build("pa", programme_id, mentor_id, adept.id),
        )
        for adept in candidates.adepts
    ]
    if not buttons:
        await query.edit_message_text(_all_paired(labels))
        return
    step = (
        _("Step 2 of 2: Choose the trainee for {mentor}.")
        if labels == "trainee"
        else _("Step 2 of 2: Choose the adept for {mentor}.")
    )
    await query.edit_message_text(
        step.format(mentor=_told_apart(mentor, [p for p, _f in candidates.mentors])),
        reply_markup=markup(rows(buttons, 2)),
    )


def _told_apart(person: Person, among: list[Person]) -> str:
    """A name inside a sentence: the first name, or the full name when it is shared."""
    if distinct_names(among)[person.id] == person.first_name:
        return person.first_name
    return " ".join(filter(None, (person.first_name, person.last_name))) or person.first_name


async def adept_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    query = update.callback_query
    me = coordinator_actor()
    if query is None or not isinstance(query.message, Message):
        return
    if me is None:
        await query.answer(_("Only coordinators can do this."))
        return
    outcome = await deps(context).pairing.create_pair(
        me, data.int("programme"), data.int("mentor"), data.int("adept")
    )
    labels = await _labels(context, data.int("programme"))
    if outcome.problem is not None or outcome.view is None:
        await query.answer(
            pair_problem(outcome.problem or PairProblem.NOT_ALLOWED, labels, "/pair"),
            show_alert=True,
        )
        return
    await query.answer()
    wake_delivery(context)
    programme = await deps(context).services.programme(data.int("programme"))
    later = sent_later(context, programme) if programme is not None else None
    await query.edit_message_text(pair_made(outcome.view, labels, later))


PAIRS_PER_PAGE = 15


async def pairs(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    command = await coordinator_command(update)
    if command is None:
        return
    message, me = command
    text, keyboard = await _pairs_page(context, me, 0)
    await message.reply_text(text, reply_markup=keyboard)


async def page_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    query = update.callback_query
    me = coordinator_actor()
    if query is None or not isinstance(query.message, Message):
        return
    if me is None:
        await query.answer(_("Only coordinators can do this."))
        return
    await query.answer()
    text, keyboard = await _pairs_page(context, me, data.int("page"))
    await query.edit_message_text(text, reply_markup=keyboard)


async def _pairs_page(
    context: ContextTypes.DEFAULT_TYPE, me: Actor, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /pairs: state, last meeting and open alert reasons of each pair."""
    found = await deps(context).pairing.pairs_page(me, page, PAIRS_PER_PAGE)
    if found is None:
        return _("No pairs yet. Make one with /pair."), None
    page, pages, shown, last = found.page, found.pages, found.pairs, found.last_met
    programmes = found.programmes
    reasons = {
        pair_id: [reason_name(reason) for reason in named]
        for pair_id, named in found.alert_reasons.items()
    }
    lines: list[str] = []
    if pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
    current = None
    for view in shown:
        programme = programmes.get(view.pair.programme_id)
        if view.pair.programme_id != current:
            current = view.pair.programme_id
            lines.append(_("{programme}:").format(programme=programme.name if programme else ""))
        zone = ZoneInfo(programme.timezone if programme else "UTC")
        state = state_text(view.pair.state)
        if view.pair.state is PairState.ACTIVE and view.pair.activated_at is not None:
            state = _("active since {date}").format(
                date=format_day(view.pair.activated_at.astimezone(zone).date())
            )
        line = _("#{id} {mentor} + {adept}: {state}").format(
            id=view.pair.id, mentor=view.mentor.first_name, adept=view.adept.first_name, state=state
        )
        if view.pair.id in last:
            line = _("{line}; last met {date}").format(
                line=line, date=format_day(last[view.pair.id])
            )
        if view.pair.id in reasons:
            line = _("{line} ⚠️ {reasons}").format(
                line=line, reasons=", ".join(reasons[view.pair.id])
            )
        lines.append(line)
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton(_("◀ Back"), callback_data=build("pg", page - 1)))
    if page < pages - 1:
        buttons.append(InlineKeyboardButton(_("Next ▶"), callback_data=build("pg", page + 1)))
    return "\n".join(lines), markup([buttons]) if buttons else None
