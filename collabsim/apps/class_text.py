"""What the class mode's pages say, English as the key; the Dutch is in the one catalogue
(collabsim/locale). The pages fetch it once as JSON (`/api/text?lang=nl`) and write no words of
their own."""

from __future__ import annotations

from collabsim.locale import N_, check_language, translator

TEXT = {
    # the join page
    "title": N_("collabsim — play the partnership"),
    "join_title": N_("Join your class"),
    "code": N_("Join code"),
    "code_help": N_("The six digits on the teacher's screen."),
    "team": N_("Your team's name"),
    "seat_key": N_("Seat key (only to take your seat back on another laptop)"),
    "choose_seat": N_("Choose your seat"),
    "taken": N_("taken"),
    "take_seat": N_("Take this seat"),
    "show_seats": N_("Show the seats"),
    # the team page
    "you_are": N_("You play {name}"),
    "your_seat_key": N_(
        "Your seat key: {key} (keep it: it takes your seat back on another laptop)"
    ),
    "round": N_("Round {round} · month {month}"),
    "seconds_left": N_("{seconds} s left in this round"),
    "waiting": N_("Waiting for the teacher to start."),
    "paused": N_("The teacher has paused the game."),
    "ended": N_("The game has ended: look at the big screen."),
    "what_you_see": N_("What your organisation sees"),
    "at_table": N_("at the table"),
    "not_at_table": N_("not at the table (any more)"),
    "engagement": N_("Your staff time invested"),
    "urgency": N_("Your urgency"),
    "incentives": N_("Your incentives"),
    "shared_interest": N_("Your shared interest with the agenda"),
    "worth_it": N_("Is it worth it? (worth minus cost)"),
    "interests": N_("Your interests and the agenda"),
    "theme": N_("theme"),
    "yours": N_("yours"),
    "agenda": N_("agenda"),
    "trust_in": N_("Your trust in each partner"),
    "tensions": N_("Open tensions you are part of"),
    "no_tensions": N_("None."),
    "tension_with": N_("with {who}, {months} months old"),
    "last_round": N_("What happened last round"),
    "nothing_happened": N_("Nothing that made the news."),
    "decide": N_("Your decisions for this round"),
    "staff_time": N_("Staff time to invest (share of what you can spare)"),
    "tension_choice": N_("A tension you see"),
    "tension_none": N_("leave it as it is"),
    "tension_raise": N_("raise it at the table"),
    "tension_let_go": N_("let it go"),
    "contribution": N_("What you put on the table"),
    "contribution_none": N_("nothing"),
    "contribution_in_kind": N_("means in kind (rooms, machines, people)"),
    "contribution_money": N_("money"),
    "stay": N_("Stay or leave"),
    "stay_yes": N_("stay"),
    "stay_no": N_("leave the partnership"),
    "send": N_("Send our decisions"),
    "sent": N_("Sent. You can still change them until the round runs."),
    # the teacher's console and the big screen
    "console": N_("Teacher's console"),
    "students_open": N_("Students open {address} and enter the code"),
    "join_code": N_("Join code"),
    "start": N_("Start"),
    "pause": N_("Pause"),
    "next": N_("Next round"),
    "reset": N_("Start again"),
    "end": N_("End and debrief"),
    "debrief": N_("Debrief"),
    "download": N_("Download the debrief (HTML)"),
    "big_screen": N_("Big screen"),
    "moments": N_("Teacher moments (next month)"),
    "seats": N_("Seats and decisions"),
    "seat": N_("seat"),
    "team_col": N_("team"),
    "model_plays": N_("the model plays it"),
    "decided": N_("decided"),
    "not_decided": N_("not yet"),
    "free": N_("free the seat"),
    "drivers": N_("Drivers and engagement"),
    "network": N_("The partnership"),
    "timeline": N_("Timeline"),
    "decision_log": N_("Decisions, round by round"),
    "phase_lobby": N_("waiting for teams"),
    "phase_playing": N_("playing"),
    "phase_paused": N_("paused"),
    "phase_ended": N_("ended"),
    "status": N_("Round {round} · month {month} of {horizon} · {phase}"),
    "dissolved": N_("The partnership has fallen apart."),
    "trust": N_("trust"),
    "engagement_series": N_("engagement"),
    "urgency_series": N_("urgency"),
    "incentives_series": N_("incentives"),
    "shared_interest_series": N_("shared interest"),
    "moment_funding_ends": N_("Funding ends"),
    "moment_key_person_leaves": N_("A key person leaves"),
    "moment_demand_shock": N_("Demand shock"),
    "moment_conflict": N_("A conflict"),
}


def page_text(language: str) -> dict[str, str]:
    """Every word the class pages show, in the language."""
    _ = translator(check_language(language))
    return {key: _(message) for key, message in TEXT.items()} | {"lang": language}
