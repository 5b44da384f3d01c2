"""The cohort's end in chat: the evaluation's buttons and typed answers, and the
coordinator's /outcome and /report."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.domain import policy
from bot.domain.access import Action, allowed_scope
from bot.domain.report import Options
from bot.files.report import SUFFIXES, Format, render
from bot.runtime.i18n import _, current_language
from bot.texts import evaluation as evaluation_texts
from bot.texts.buttons import Callback
from bot.usecases.evaluation import CohortEnd, Problem, Screen
from bot.usecases.privacy import AuditAction
from bot.usecases.refusal import Refusal
from handlers.common import actor, deps, pressed
from handlers.coordinator import refuse
from handlers.render import markup

OUTCOME_WORDS = {
    "job": "job",
    "jobb": "job",
    "work": "job",
    "arbeid": "job",
    "education": "education",
    "utdanning": "education",
    "school": "education",
    "skole": "education",
    "internship": "internship",
    "praksis": "internship",
    "other": "other",
    "annet": "other",
}
FORMAT_WORDS = {"xlsx": Format.XLSX, "excel": Format.XLSX, "csv": Format.CSV, "pdf": Format.PDF}


def _service(context: ContextTypes.DEFAULT_TYPE) -> CohortEnd:
    return deps(context).core.cohort_end


def _markup(keyboard: dict[str, Any]) -> InlineKeyboardMarkup:
    return markup(
        [
            [InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
            for row in keyboard["inline_keyboard"]
        ]
    )


def _refusal(refusal: Refusal[Problem]) -> str:
    texts = {
        Problem.NOT_YOURS: _("This button is not for you."),
        Problem.FINISHED: _("You have answered already. Thank you!"),
        Problem.TOO_LONG: _("That is too long. Please write at most {max} characters.").format(
            max=policy.MAX_EVALUATION_TEXT
        ),
    }
    return texts.get(refusal.problem, _("This button is old. Nothing was changed."))


async def _show(message: Message, screen: Screen) -> None:
    rendered = screen.render()
    if rendered is None:
        await message.reply_text(evaluation_texts.thanks())
        return
    text, markup = rendered
    await message.reply_text(text, reply_markup=_markup(markup))


# the evaluation


async def evaluation_pressed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: Callback
) -> None:
    press = pressed(update)
    if press is None:
        return
    query, message, me = press
    value = data.values["value"]
    result = await _service(context).answer(
        me.person, data.int("pair"), data.values["step"], None if value == "skip" else value
    )
    if isinstance(result, Refusal):
        await query.answer(_refusal(result))
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await _show(message, result)


async def text_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Typed words when an open evaluation waits for them; False otherwise."""
    message = update.effective_message
    me = actor()
    if message is None or me is None or message.text is None:
        return False
    result = await _service(context).text(me.person, message.text)
    if result is None:
        return False
    if isinstance(result, Refusal):
        await message.reply_text(_refusal(result))
        return True
    await _show(message, result)
    return True


# coordinators


async def outcome_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/outcome 12 job [a few words]`: what an adept got, for the report."""
    message = update.effective_message
    me = actor()
    if message is None:
        return
    scope = allowed_scope(me, Action.RECORD_OUTCOME)
    if me is None or not scope:
        await refuse(message)
        return
    args = context.args or []
    usage = _(
        "Write it like this: /outcome 12 job. Instead of job: education, internship or other. "
        "You can add a few words after it. Pair numbers are in /pairs."
    )
    word = args[0].lstrip("#") if args else ""
    kind = OUTCOME_WORDS.get(args[1].lower()) if len(args) > 1 else None
    if not (word.isascii() and word.isdigit() and len(word) < 10) or kind is None:
        await message.reply_text(usage)
        return
    text = " ".join(args[2:]) or None
    result = await _service(context).record_outcome(me.person, int(word), kind, text, scope)
    if isinstance(result, Refusal):
        if result.problem is Problem.UNKNOWN_PAIR:
            await message.reply_text(
                _("There is no pair {id} in your programmes.").format(id=int(word))
            )
        elif result.problem is Problem.TOO_LONG:
            await message.reply_text(
                _("That is too long. Please write at most {max} characters.").format(
                    max=policy.MAX_OUTCOME_TEXT
                )
            )
        else:
            await message.reply_text(usage)
        return
    await message.reply_text(
        _(
            "✅ Saved for pair {id} ({mentor} + {adept}): {outcome}. It is counted in /report."
        ).format(
            id=result.pair.id,
            mentor=result.mentor.first_name,
            adept=result.adept.first_name,
            outcome=evaluation_texts.outcome_name(kind).lower(),
        )
    )


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/report [programme] [xlsx|csv|pdf] [names] [comments]`: the funder's report as a file."""
    message = update.effective_message
    me = actor()
    if message is None:
        return
    # A region's coordinator gets the region's report (as --cohort on the command line).
    scope = allowed_scope(me, Action.REPORT)
    programmes = scope.programmes
    if me is None or not programmes:
        await refuse(message)
        return
    fmt, programme_id, options = Format.XLSX, None, {"names": False, "comments": False}
    for word in (a.lower().lstrip("#") for a in context.args or []):
        if word in FORMAT_WORDS:
            fmt = FORMAT_WORDS[word]
        elif word in ("names", "navn"):
            options["names"] = True
        elif word in ("comments", "kommentarer"):
            options["comments"] = True
        elif word.isascii() and word.isdigit() and len(word) < 10:
            programme_id = int(word)
        else:
            await message.reply_text(_report_usage())
            return
    if programme_id is None and len(programmes) == 1:
        programme_id = programmes[0]
    if programme_id is None or programme_id not in programmes:
        services = deps(context).services
        names = [f"{p.id}: {p.name}" for p in await services.programmes(programmes)]
        await message.reply_text(
            _("Which programme? Write /report and its number:\n{programmes}").format(
                programmes="\n".join(names)
            )
        )
        return
    language = current_language()
    report = await _service(context).report(
        programme_id,
        scope.cohort(programme_id),
        Options(options["names"], options["comments"]),
        language,
    )
    if isinstance(report, Refusal):
        await refuse(message)
        return
    data = await asyncio.to_thread(render, report, fmt, language)
    filename = f"report-{programme_id}-{report.made_on.isoformat()}{SUFFIXES[fmt]}"
    # Every export is in the audit log: who took which report, with names or comments.
    await deps(context).core.privacy.record_audit(
        me.person.id, programme_id, AuditAction.EXPORT, _export_target(fmt.value, options)
    )
    await message.reply_document(
        document=data,
        filename=filename,
        caption=_("Report for {programme}, {day}. Keep it safe: it is about real people.").format(
            programme=report.name, day=report.made_on.isoformat()
        ),
    )


def _export_target(fmt: str, options: dict[str, bool]) -> str:
    extras = [name for name in ("names", "comments") if options[name]]
    return ":".join(["report", fmt, *extras])


def _report_usage() -> str:
    return _(
        "Write /report for a spreadsheet. Add pdf or csv for another format, "
        "names to include names, and comments to include comments."
    )
