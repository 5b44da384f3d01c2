"""The coordinator's side in chat: alert buttons, the alert chat, /stalled, /pair <id>,
/note, /end and /message."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.domain import dates, policy
from bot.domain.access import Action as Permission
from bot.domain.access import Chat, Region, Scope, allowed_scope, may
from bot.domain.digest import next_digest
from bot.domain.model import AlertStatus, Dialogue, PairView
from bot.domain.rhythm import MeetingStatus
from bot.runtime.i18n import _, current_language
from bot.texts import alerts as texts
from bot.texts.agreements import agreement_version_name
from bot.texts.buttons import Callback, build
from bot.texts.common import goal_label
from bot.texts.durations import span
from bot.usecases.alerts import Action, Alerts, Binding, PairFile, Present
from bot.usecases.privacy import AuditAction
from bot.usecases.refusal import Refusal
from handlers.common import actor, deps, sent_later, wake_delivery
from handlers.coordinator import refuse, state_text
from handlers.render import markup, too_long

MESSAGE_FLOW = "coordinator_message"
GROUP_CHECK_EVERY = timedelta(days=1)


def _alerts(context: ContextTypes.DEFAULT_TYPE) -> Alerts:
    return deps(context).alerts


def _programmes(permission: Permission) -> Scope:
    """Where the one authorisation rule lets this person do it, in private: their
    programmes, a region's coordinator only the region's pairs."""
    return allowed_scope(actor(), permission)


def _pair_id(context: ContextTypes.DEFAULT_TYPE) -> int | None:
    if not context.args:
        return None
    word = context.args[0].lstrip("#")
    return int(word) if word.isascii() and word.isdigit() and len(word) < 10 else None


# alert buttons


async def alert_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback) -> None:
    query = update.callback_query
    me = actor()
    if query is None or not isinstance(query.message, Message):
        return
    programmes = await _here(update, context, Permission.HANDLE_ALERT)
    if me is None or not programmes:
        await query.answer(_("Only coordinators of this programme can use these buttons."))
        return
    result = await _alerts(context).act(
        me.person, data.int("alert"), Action(data.values["action"]), programmes
    )
    if isinstance(result, Refusal):
        await query.answer(
            _("Only coordinators of this programme can use these buttons.")
            if result.problem.value == "not_allowed"
            else _("This alert has changed. Nothing was done.")
        )
        return
    alert, subject, _edits = result
    if data.values["action"] == Action.SHOW.value:
        await query.answer()
        viewable = allowed_scope(me, Permission.VIEW_PAIR)
        found = await _alerts(context).pair_file(subject.view.pair.id, viewable)
        if isinstance(found, Refusal):
            return
        if query.message.chat.type == ChatType.PRIVATE:
            await _audit_view(context, me.person.id, found)
            await _reply_long(query.message, _render_file(found).split("\n"))
            return
        # The file holds what participants wrote: never into a group, privately to the
        # coordinator who pressed.
        if me.person.telegram_user_id is None or not await _send_privately(
            context.bot, me.person.telegram_user_id, _render_file(found).split("\n")
        ):
            await query.message.reply_text(
                _(
                    "{name}, I cannot write to you privately yet. Open a private chat with "
                    "me (@{bot}) and press Start, then press Show pair again."
                ).format(name=me.person.first_name, bot=context.bot.username)
            )
            return
        await _audit_view(context, me.person.id, found)
        return
    await query.answer(_confirmation(alert.status))
    wake_delivery(context)


def _confirmation(status: AlertStatus) -> str:
    """What a coordinator who pressed an alert's button is told."""
    return {
        AlertStatus.TAKEN: _("Noted: you will contact them."),
        AlertStatus.SNOOZED: _("Snoozed for {span}.").format(span=span(policy.SNOOZE)),
        AlertStatus.RESOLVED: _("Marked as resolved."),
    }.get(status, "")


# the alert chat


def _bound_names(bound: list[Binding]) -> str:
    return ", ".join(b.region or b.programme.name for b in bound)


async def bind_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    me = actor()
    if message is None or chat is None:
        return
    if chat.type == ChatType.PRIVATE:
        await message.reply_text(_("Send /bindalerts in the group where alerts should go."))
        return
    # Asked as in private: a group becomes an alert chat only by this command, so the
    # group rule (only programmes bound here) cannot apply yet. What is bound is the
    # coordinator's scope: a whole programme, or a region (never the programme's chat).
    scope = _programmes(Permission.BIND_ALERTS)
    if me is None or not scope:
        await message.reply_text(_("Only a coordinator of the programme can do this."))
        return
    alerts = _alerts(context)
    bound = await alerts.bind(chat.id, me.person, scope)
    lines = [
        _("✅ Alerts for {programmes} will come to this group. /unbindalerts stops it.").format(
            programmes=_bound_names(bound)
        )
    ]
    now = alerts.clock.now()
    # The weekly digest goes to a programme's chat (a region's chat gets its alerts only).
    coming = sorted(
        (
            (moment, binding.programme)
            for binding in bound
            if binding.cohort_id is None
            and (moment := next_digest(binding.programme, now)) is not None
        ),
        key=lambda found: found[0],
    )
    if coming:
        moment, first = coming[0]
        local = first.rules.local(moment)
        lines.append(
            _("The weekly digest comes here too. Next: {when}.").format(
                when=dates.format_when(local.date(), local.time(), current_language())
            )
        )
    await message.reply_text("\n".join(lines))
    # Participants in the group would read names: find out now (and daily).
    await _alerts(context).check_group(chat.id, present_in(context.bot))
    wake_delivery(context)


def present_in(bot: Bot) -> Present:
    """Whether a Telegram user is in a chat, by getChatMember (an error: not known there)."""

    async def present(chat_id: int, user_id: int) -> bool:
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError:
            return False
        if member.status == ChatMemberStatus.RESTRICTED:
            return bool(getattr(member, "is_member", False))
        return member.status in (
            ChatMemberStatus.MEMBER,
            ChatMemberStatus.ADMINISTRATOR,
            ChatMemberStatus.OWNER,
        )

    return present


async def group_check_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Once a day per alert chat: are participants in it? (see Alerts.check_group)"""
    checks = await _alerts(context).check_due_groups(present_in(context.bot), GROUP_CHECK_EVERY)
    if any(check.told for check in checks):
        wake_delivery(context)


async def unbind_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    chat = update.effective_chat
    me = actor()
    if message is None or chat is None:
        return
    here = Chat() if chat.type == ChatType.PRIVATE else await _chat(context, chat.id)
    if me is None or not allowed_scope(me, Permission.BIND_ALERTS, chat=here):
        await message.reply_text(_("Only a coordinator of the programme can do this."))
        return
    if here.private:
        await message.reply_text(_("No alerts of your programmes come to this chat."))
        return
    mine = [
        r for r in _regions(here) if may(me, Permission.BIND_ALERTS, r.programme_id, r, chat=here)
    ]
    if not mine:
        # A region's coordinator in the programme's chat: it is not hers to stop.
        await message.reply_text(
            _("Only a coordinator of the whole programme can stop alerts coming here.")
        )
        return
    unbound = await _alerts(context).unbind(chat.id, me.person, mine)
    wake_delivery(context)
    await message.reply_text(
        _("Alerts for {programmes} will go to the coordinators privately again.").format(
            programmes=_bound_names(unbound)
        )
    )


# /stalled and /pair <id>


async def stalled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    programmes = await _here(update, context, Permission.VIEW_STALLED)
    if not programmes:
        await refuse(message)
        return
    found = await _alerts(context).unresolved(programmes)
    if not found:
        await message.reply_text(_("✅ No pair needs attention now."))
        return
    now = deps(context).services.clock.now()
    # One entry per pair, in the order of its most urgent reason; its reasons below it.
    by_pair: dict[int, tuple[PairView, list[str]]] = {}
    for alert, subject in found:
        today = subject.programme.rules.local(now).date()
        _view, why = by_pair.setdefault(subject.view.pair.id, (subject.view, []))
        why.append(texts.explanation(alert, subject.view, subject.programme, today))
    chat = update.effective_chat
    group = chat is not None and chat.type != ChatType.PRIVATE
    # In a group where participants sit: pair numbers and kinds of problem only.
    hidden = group and chat is not None and await _alerts(context).names_hidden(chat.id)
    lines = [_("Pairs that need attention, most urgent first:")]
    for pair_id, (view, why) in by_pair.items():
        if hidden:
            lines.append(_("#{id}:").format(id=pair_id))
            kinds = dict.fromkeys(
                texts.reason_name(a.reason) for a, s in found if s.view.pair.id == pair_id
            )
            lines.extend(f"  • {kind}" for kind in kinds)
            continue
        lines.append(
            _("#{id} {mentor} + {adept}:").format(
                id=pair_id, mentor=view.mentor.first_name, adept=view.adept.first_name
            )
        )
        lines.extend(f"  • {reason}" for reason in why)
    await _reply_long(message, lines)


async def _chat(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> Chat:
    """A group, with what it is the alert chat of."""
    whole, regions = await _alerts(context).bindings(chat_id)
    return Chat(private=False, bound=whole, regions=regions)


def _regions(chat: Chat) -> list[Region]:
    return [Region(p) for p in sorted(chat.bound)] + [Region(p, c) for p, c in sorted(chat.regions)]


async def _here(
    update: Update, context: ContextTypes.DEFAULT_TYPE, permission: Permission
) -> Scope:
    """Where this coordinator may do it here: in private, their programmes (a region's
    coordinator, the region's pairs); in a group, what it is the alert chat of (a whole
    programme or regions), and of that only what is theirs (the one rule in
    bot.domain.access)."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return allowed_scope(actor(), permission)
    return allowed_scope(actor(), permission, chat=await _chat(context, chat.id))


async def _audit_view(context: ContextTypes.DEFAULT_TYPE, actor_id: int, found: PairFile) -> None:
    """A coordinator saw a pair's check-ins and comments: the audit log says who and when."""
    await deps(context).core.privacy.record_audit(
        actor_id, found.programme.id, AuditAction.VIEW_COMMENTS, f"pair:{found.view.pair.id}"
    )


async def show_pair(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    me = actor()
    programmes = await _here(update, context, Permission.VIEW_PAIR)
    pair_id = _pair_id(context)
    if me is None or not programmes:
        await refuse(message)
        return
    if pair_id is None:
        await message.reply_text(
            _("Write the pair's number, like /pair 12. See the numbers with /pairs.")
        )
        return
    found = await _alerts(context).pair_file(pair_id, programmes)
    if isinstance(found, Refusal):
        await message.reply_text(_("There is no pair {id} in your programmes.").format(id=pair_id))
        return
    await _audit_view(context, me.person.id, found)
    await _reply_long(message, _render_file(found).split("\n"))


def _meeting_status(status: MeetingStatus) -> str:
    names = {
        MeetingStatus.REPORTED: _("reported by one"),
        MeetingStatus.CONFIRMED: _("confirmed"),
        MeetingStatus.DISPUTED: _("disputed"),
    }
    return names[status]


def _alert_status(status: AlertStatus) -> str:
    names = {
        AlertStatus.OPEN: _("open"),
        AlertStatus.TAKEN: _("being followed up"),
        AlertStatus.SNOOZED: _("snoozed"),
        AlertStatus.RESOLVED: _("resolved"),
    }
    return names[status]


def _render_file(found: PairFile) -> str:
    language = current_language()
    view = found.view
    head = (
        _("Pair #{id}: {mentor} (supervisor) and {adept} (trainee), {programme}")
        if found.programme.role_labels == "trainee"
        else _("Pair #{id}: {mentor} (mentor) and {adept} (adept), {programme}")
    )
    lines = [
        head.format(
            id=view.pair.id,
            mentor=view.mentor.first_name,
            adept=view.adept.first_name,
            programme=found.programme.name,
        )
    ]
    lines.append(_("State: {state}").format(state=state_text(view.pair.state)))
    if found.start is not None:
        confirmed = sorted(found.start.confirmations, key=lambda c: c.confirmed_at)
        if confirmed:
            lines.append(
                _("Agreement: confirmed by {count} of 2 ({version}).").format(
                    count=len(confirmed),
                    version=agreement_version_name(confirmed[-1].agreement_version),
                )
            )
    if view.pair.goals:
        lines.append(
            _("Goals: {goals}").format(goals="; ".join(goal_label(g) for g in view.pair.goals))
        )
    if found.rhythm is not None and found.rhythm.history.meetings:
        meetings = ", ".join(
            _("{day} ({status})").format(
                day=dates.format_day(m.held_on, language), status=_meeting_status(m.status)
            )
            for m in found.rhythm.history.meetings[-5:]
        )
        lines.append(_("Meetings: {meetings}").format(meetings=meetings))
    for person, score, comment, needs_help, help_text, at in found.check_ins[-6:]:
        text = _("Check-in {day}, {name}: {score}").format(
            day=dates.format_day(at.date(), language),
            name=person.first_name,
            score=score if score is not None else "–",
        )
        if needs_help:
            text = _("{line} (asked for help)").format(line=text)
        if comment:
            text = _("{line} «{comment}»").format(line=text, comment=comment)
        if help_text:
            text = _("{line} Help: «{text}»").format(line=text, text=help_text)
        lines.append(text)
    for alert in found.alerts[-5:]:
        lines.append(
            _("Alert: {why} ({status})").format(
                why=texts.explanation(alert, view, found.programme, alert.opened_at.date()),
                status=_alert_status(alert.status),
            )
        )
    for note, author in found.notes[-5:]:
        lines.append(
            _("Note {day}, {name}: {text}").format(
                day=dates.format_day(note.created_at.date(), language), name=author, text=note.text
            )
        )
    return "\n".join(lines)


def _chunks(lines: list[str]) -> list[str]:
    """Lines joined into messages under Telegram's 4096-character limit."""
    chunks: list[str] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        line = line[:3500]
        if size + len(line) + 1 > 3500 and chunk:
            chunks.append("\n".join(chunk))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        chunks.append("\n".join(chunk))
    return chunks


async def _send_privately(bot: Bot, user_id: int, lines: list[str]) -> bool:
    """The answer to a press in a group, sent to the presser's private chat; False when
    Telegram refuses (they never opened a private chat with the bot, or blocked it)."""
    try:
        for text in _chunks(lines):
            await bot.send_message(chat_id=user_id, text=text)
    except (Forbidden, BadRequest):
        return False
    return True


async def _reply_long(message: Message, lines: list[str]) -> None:
    """Splits on line boundaries so no message passes Telegram's 4096-character limit."""
    chunk: list[str] = []
    size = 0
    for line in lines:
        line = line[:3500]
        if size + len(line) + 1 > 3500 and chunk:
            await message.reply_text("\n".join(chunk))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        await message.reply_text("\n".join(chunk))


# /note, /end, /message


async def note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    me = actor()
    if message is None:
        return
    programmes = _programmes(Permission.NOTE)
    if me is None or not programmes:
        await refuse(message)
        return
    pair_id = _pair_id(context)
    text = " ".join((context.args or [])[1:]).strip()
    if pair_id is None or not text:
        await message.reply_text(_("Write it like this: /note 12 Called Amina, all is well."))
        return
    if (answer := too_long(text, policy.MAX_NOTE)) is not None:
        await message.reply_text(answer)
        return
    result = await _alerts(context).add_note(me.person, pair_id, text, programmes)
    if isinstance(result, Refusal):
        await message.reply_text(_("There is no pair {id} in your programmes.").format(id=pair_id))
        return
    await message.reply_text(
        _("✅ Note saved on pair #{id}. Only coordinators see it.").format(id=pair_id)
    )


async def end(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    me = actor()
    if message is None:
        return
    programmes = _programmes(Permission.END_PAIR)
    if me is None or not programmes:
        await refuse(message)
        return
    pair_id = _pair_id(context)
    reason = " ".join((context.args or [])[1:]).strip() or "completed"
    if pair_id is None:
        await message.reply_text(
            _("Write it like this: /end 12 completed, or /end 12 and a short reason.")
        )
        return
    result = await _alerts(context).end(me.person, pair_id, reason, programmes)
    if isinstance(result, Refusal):
        await message.reply_text(
            _("Pair {id} is not an active pair in your programmes.").format(id=pair_id)
        )
        return
    wake_delivery(context)
    programme = await deps(context).services.programme(result.pair.programme_id)
    later = sent_later(context, programme) if programme is not None else None
    names = {"id": pair_id, "mentor": result.mentor.first_name, "adept": result.adept.first_name}
    if later is None:
        reply = _(
            "✅ Pair #{id} ({mentor} and {adept}) has ended. No more reminders; I have told them both."
        ).format(**names)
    else:
        reply = _(
            "✅ Pair #{id} ({mentor} and {adept}) has ended. No more reminders. I will tell them both {when}."
        ).format(**names, when=later)
    await message.reply_text(reply)


async def message_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    me = actor()
    if message is None:
        return
    programmes = _programmes(Permission.MESSAGE_PAIR)
    if me is None or not programmes:
        await refuse(message)
        return
    pair_id = _pair_id(context)
    if pair_id is None:
        await message.reply_text(_("Write the pair's number, like /message 12."))
        return
    found = await _alerts(context).pair_file(pair_id, programmes)
    if isinstance(found, Refusal):
        await message.reply_text(_("There is no pair {id} in your programmes.").format(id=pair_id))
        return
    view = found.view
    keyboard = markup(
        [
            [
                InlineKeyboardButton(
                    view.mentor.first_name, callback_data=build("cm", pair_id, "mentor")
                ),
                InlineKeyboardButton(
                    view.adept.first_name, callback_data=build("cm", pair_id, "adept")
                ),
            ],
            [InlineKeyboardButton(_("Both of them"), callback_data=build("cm", pair_id, "both"))],
        ]
    )
    await message.reply_text(_("Who should get the message?"), reply_markup=keyboard)


async def recipient_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    query = update.callback_query
    me = actor()
    if query is None or not isinstance(query.message, Message):
        return
    programmes = _programmes(Permission.MESSAGE_PAIR)
    if me is None or not programmes:
        await query.answer(_("Only coordinators can do this."))
        return
    if isinstance(await _alerts(context).pair_file(data.int("pair"), programmes), Refusal):
        await query.answer(_("This button is old. Nothing was changed."))
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    services = deps(context).services
    async with services.db.unit() as uow:
        await uow.dialogues.save_dialogue(
            Dialogue(
                me.person.id,
                MESSAGE_FLOW,
                "text",
                {"pair_id": data.int("pair"), "to": data.values["to"]},
            ),
            services.clock.now(),
        )
    await query.message.reply_text(_("Write your message now. I will send it as it is."))


async def text_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    message = update.effective_message
    me = actor()
    if message is None or me is None or message.text is None:
        return False
    services = deps(context).services
    text = message.text.strip()
    async with services.db.unit() as uow:
        dialogue = await uow.dialogues.dialogue(me.person.id)
        if dialogue is None or dialogue.flow != MESSAGE_FLOW:
            return False
        # Too long: the question stays open for a shorter text.
        if (answer := too_long(text, policy.MAX_MESSAGE)) is not None:
            await message.reply_text(answer)
            return True
        await uow.dialogues.clear_dialogue(me.person.id)
    result = await _alerts(context).message(
        me.person,
        int(dialogue.data["pair_id"]),
        str(dialogue.data["to"]),
        text,
        _programmes(Permission.MESSAGE_PAIR),
    )
    if isinstance(result, Refusal):
        await message.reply_text(
            _("There is no pair {id} in your programmes.").format(id=dialogue.data["pair_id"])
        )
        return True
    wake_delivery(context)
    view, recipients = result
    names = " & ".join(p.first_name for p in recipients)
    programme = await services.programme(view.pair.programme_id)
    later = sent_later(context, programme) if programme is not None else None
    if later is None:
        await message.reply_text(_("✅ Sent to {names}.").format(names=names))
    else:
        await message.reply_text(
            _("⏳ {names} will get it {when}.").format(names=names, when=later)
        )
    return True
