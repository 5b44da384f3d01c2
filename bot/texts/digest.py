"""Texts of the weekly digest (to coordinators) and the weekly note (to participants),
rendered in the reader's language from the figures of `bot.domain.digest`."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain import dates, policy
from bot.domain.digest import Digest, GatheringLine, PairLine, WeeklyNote
from bot.domain.model import PairState, Person
from bot.runtime.i18n import _, current_language, format_day, ngettext, use_language
from bot.texts.alerts import reason_name
from bot.texts.common import goal_label


def _number(value: float) -> str:
    shown = f"{value:.1f}"
    return shown.replace(".", ",") if current_language() == "nb" else shown


def _last_weeks(n: int) -> str:
    return ngettext("the last {n} week", "the last {n} weeks", n).format(n=n)


def _weeks_before(n: int) -> str:
    return ngettext("the {n} week before", "the {n} weeks before", n).format(n=n)


def _next_days(n: int) -> str:
    return ngettext("the next {n} day", "the next {n} days", n).format(n=n)


def _pair(line: PairLine, names: bool = True) -> str:
    if not names:
        return _("#{id}").format(id=line.pair_id)
    return _("#{id} {mentor} + {adept}").format(
        id=line.pair_id, mentor=line.mentor, adept=line.adept
    )


def alert_link(chat_id: int, message_id: int) -> str | None:
    """A t.me link to a post in a supergroup or channel (private chats have none)."""
    text = str(chat_id)
    if not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text[4:]}/{message_id}"


def digest_sections(
    language: str, digest: Digest, links: dict[int, str] | None = None, *, names: bool = True
) -> list[list[str]]:
    """The digest as sections of lines; `links` maps alert ids to links to their posts.
    Without `names` (an alert chat with participants in it), pairs by number only."""
    links = links or {}
    with use_language(language):
        week = digest.week.split("-W")[-1].lstrip("0")
        head = [
            _("📋 Weekly digest: {programme}, week {week}").format(
                programme=digest.name, week=week
            ),
            _(
                "Pairs: {active} active, {awaiting} awaiting agreement, {paused} paused, "
                "{ended} ended."
            ).format(
                active=digest.by_state[PairState.ACTIVE],
                awaiting=digest.by_state[PairState.AWAITING_AGREEMENT],
                paused=digest.by_state[PairState.PAUSED],
                ended=digest.by_state[PairState.ENDED],
            ),
        ]
        if digest.stalled_count:
            head.append(
                ngettext(
                    "⚠️ {n} pair needs attention.",
                    "⚠️ {n} pairs need attention.",
                    digest.stalled_count,
                ).format(n=digest.stalled_count)
            )
        else:
            head.append(_("✅ No pair needs attention."))

        last_day = digest.period.end - timedelta(days=1)
        meetings = [
            _("Meetings"),
            ngettext(
                "Last {n} day: {logged} logged, {confirmed} confirmed by both.",
                "Last {n} days: {logged} logged, {confirmed} confirmed by both.",
                policy.SOON.days,
            ).format(
                n=policy.SOON.days, logged=digest.week_logged, confirmed=digest.week_confirmed
            ),
            _(
                "This period ({start} – {end}): {logged} logged, {confirmed} confirmed by both."
            ).format(
                start=format_day(digest.period.start),
                end=format_day(last_day),
                logged=digest.period_logged,
                confirmed=digest.period_confirmed,
            ),
        ]
        if digest.active:
            meetings.append(
                _("{met} of {active} active pairs have met this period ({share} %).").format(
                    met=digest.met,
                    active=digest.active,
                    share=round(100 * digest.met / digest.active),
                )
            )
        weeks = policy.SCORE_WEEKS
        if digest.score is None:
            meetings.append(
                _("Check-in score: no answers in {last_weeks}.").format(
                    last_weeks=_last_weeks(weeks)
                )
            )
        else:
            score = ngettext(
                "Check-in score: {score} of 5 in {last_weeks} ({n} answer).",
                "Check-in score: {score} of 5 in {last_weeks} ({n} answers).",
                digest.score_count,
            ).format(
                score=_number(digest.score), n=digest.score_count, last_weeks=_last_weeks(weeks)
            )
            trend = digest.trend
            if trend is None:
                meetings.append(score)
            elif trend > 0:
                meetings.append(
                    score
                    + " "
                    + _("Up {change} from {weeks_before}.").format(
                        change=_number(trend), weeks_before=_weeks_before(weeks)
                    )
                )
            elif trend < 0:
                meetings.append(
                    score
                    + " "
                    + _("Down {change} from {weeks_before}.").format(
                        change=_number(-trend), weeks_before=_weeks_before(weeks)
                    )
                )
            else:
                meetings.append(
                    score
                    + " "
                    + _("The same as {weeks_before}.").format(weeks_before=_weeks_before(weeks))
                )

        sections = [head, meetings]
        if digest.stalled:
            stalled = [_("⚠️ Need attention (most urgent first)")]
            for item in digest.stalled:
                reasons = ", ".join(reason_name(reason) for reason, _id in item.reasons)
                stalled.append(
                    _("{pair}: {reasons}").format(pair=_pair(item.pair, names), reasons=reasons)
                )
                stalled.extend(
                    f"  {links[alert_id]}"
                    for _reason, alert_id in item.reasons
                    if alert_id in links
                )
            stalled.append(
                _("One pair: /pair {id} · all alerts: /stalled").format(
                    id=digest.stalled[0].pair.pair_id
                )
            )
            sections.append(stalled)
        if digest.unconfirmed:
            unconfirmed = [_("⏳ Agreement not yet confirmed")]
            unconfirmed.extend(
                ngettext(
                    "{pair}: paired {days} day ago", "{pair}: paired {days} days ago", days
                ).format(pair=_pair(line, names), days=days)
                for line, days in digest.unconfirmed
            )
            sections.append(unconfirmed)
        if digest.pauses_ending:
            pauses = [_("Pauses ending this week")]
            pauses.extend(
                _("{pair}: paused until {day}").format(
                    pair=_pair(line, names), day=dates.format_day(until, language)
                )
                for line, until in digest.pauses_ending
            )
            sections.append(pauses)

        coming = [_("Coming up")]
        if digest.planned:
            coming.append(
                ngettext(
                    "{n} meeting planned in {next_days}:",
                    "{n} meetings planned in {next_days}:",
                    len(digest.planned),
                ).format(n=len(digest.planned), next_days=_next_days(policy.SOON.days))
            )
            coming.extend(
                _("{when}: {pair}").format(
                    when=dates.format_when(day, at, language), pair=_pair(line, names)
                )
                for line, day, at in digest.planned
            )
        else:
            coming.append(
                _("No meetings planned in {next_days}.").format(
                    next_days=_next_days(policy.SOON.days)
                )
            )
        if digest.cohort_end is not None:
            days_left = (digest.cohort_end - digest.today).days
            if days_left >= 0:
                coming.append(
                    ngettext(
                        "The cohort ends {day} ({n} day left).",
                        "The cohort ends {day} ({n} days left).",
                        days_left,
                    ).format(
                        day=dates.format_day(digest.cohort_end, language, today=digest.today),
                        n=days_left,
                    )
                )
            else:
                coming.append(
                    _("The cohort ended {day}.").format(
                        day=dates.format_day(digest.cohort_end, language, today=digest.today)
                    )
                )
        sections.append(coming)
        gatherings = _gatherings(language, digest)
        if gatherings:
            sections.append(gatherings)

        if digest.failed:
            total = sum(n for _name, n in digest.failed)
            failed = [
                ngettext(
                    "❗ {n} message could not be delivered since the last digest:",
                    "❗ {n} messages could not be delivered since the last digest:",
                    total,
                ).format(n=total)
            ]
            failed.extend(
                _("{name}: {n}").format(name=name if name else _("the alert group"), n=n)
                for name, n in digest.failed
                if names or not name
            )
            sections.append(failed)
        return sections


def _gatherings(language: str, digest: Digest) -> list[str]:
    """The gatherings of the last and the next seven days (none: no lines). The figures
    are the answers to the invitation: the bot does not know who actually came."""
    if not digest.gatherings_held and not digest.gatherings_coming:
        return []
    lines = [_("Gatherings")]
    if digest.gatherings_held:
        lines.append(
            ngettext("Last {n} day:", "Last {n} days:", policy.SOON.days).format(n=policy.SOON.days)
        )
        for g in digest.gatherings_held:
            day = dates.format_day(g.day, language, today=digest.today)
            title = _gathering_title(g)
            if g.invited:
                lines.append(
                    _(
                        "{title} ({day}): {coming} of {invited} said they would come, "
                        "{not_coming} could not, {no_answer} did not answer."
                    ).format(
                        title=title,
                        day=day,
                        coming=g.coming,
                        invited=g.invited,
                        not_coming=g.not_coming,
                        no_answer=g.no_answer,
                    )
                )
            else:
                lines.append(_("{title} ({day}): no one was invited.").format(title=title, day=day))
    if digest.gatherings_coming:
        lines.append(
            ngettext("Next {n} day:", "Next {n} days:", policy.SOON.days).format(n=policy.SOON.days)
        )
        for g in digest.gatherings_coming:
            when = dates.format_when(g.day, g.at, language, today=digest.today)
            title = _gathering_title(g)
            if g.invited:
                lines.append(
                    _("{when}: {title}. {coming} of {invited} say they will come.").format(
                        when=when, title=title, coming=g.coming, invited=g.invited
                    )
                )
            else:
                lines.append(
                    _("{when}: {title}. No one is invited yet.").format(when=when, title=title)
                )
    return lines


def _gathering_title(line: GatheringLine) -> str:
    """The title, with the region when the whole programme's digest lists a region's."""
    if line.cohort is None:
        return line.title
    return _("{title}, {cohort}").format(title=line.title, cohort=line.cohort)


def chart_title(language: str, digest: Digest) -> str:
    with use_language(language):
        week = digest.week.split("-W")[-1].lstrip("0")
        return _("{programme}, week {week}").format(programme=digest.name, week=week)


def chart_caption(language: str, digest: Digest) -> str:
    with use_language(language):
        return _(
            "{programme}: meetings per week and pairs on rhythm over {last_weeks}, "
            "and the check-in scores."
        ).format(programme=digest.name, last_weeks=_last_weeks(policy.CHART_WEEKS))


def weekly_note(language: str, note: WeeklyNote, other: Person, today: date) -> str:
    """The participant's weekly note: status this period, the next meeting, the goals."""
    with use_language(language):
        lines = [_("Your week with {name}:").format(name=other.first_name)]
        if note.met_on is not None:
            lines.append(
                _("✅ You met {day}.").format(day=dates.format_day(note.met_on, language, today))
            )
        else:
            lines.append(_("⏳ You have not met yet this period."))
        if note.next_planned is not None:
            lines.append(
                _("Next meeting: {when}.").format(
                    when=dates.format_when(
                        note.next_planned.planned_on,
                        note.next_planned.planned_time,
                        language,
                        today,
                    )
                )
            )
        if note.goals and note.goals_changed:
            lines.append(
                _("{name} has changed the goals. The goals now:").format(name=other.first_name)
            )
            lines.extend(f"• {goal_label(goal)}" for goal in note.goals)
        elif note.goals:
            lines.append(_("The goals:"))
            lines.extend(f"• {goal_label(goal)}" for goal in note.goals)
        lines.append(_("You can turn off this note in /settings."))
        return "\n".join(lines)
