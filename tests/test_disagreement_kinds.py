"""Disagreements whose kind an audit of data/disagreements.csv corrected, pinned against the built
database (datapackage.json's disagreements.kind defines each kind).

The traps: a press article whose own numbers do not add up is a press typo, not a platform's
`inconsistent_parts`, when the platform's numbers (as other reports give them) do add up; and a
total of two request types given as one of them is a `different_value`, not a `wrong_period`.
"""

from tests.conftest import rows


def test_an_inconsistent_parts_disagreement_quotes_a_platforms_own_numbers_not_the_press(real_db):
    # inconsistent_parts is a platform's parts and total not adding up; a press article whose
    # sentence does not add up has mistyped the platform's numbers.
    assert (
        rows(
            real_db,
            """SELECT d.disagreement_id FROM disagreements d JOIN sources s USING (source_id)
               WHERE d.kind = 'inconsistent_parts' AND s.kind = 'press'""",
        )
        == []
    )


def test_mints_india_january_june_2020_is_a_typo_against_medianamas_2613_kept(real_db):
    # Mint: 2,983 requests, 2,637 routine and 246 emergency. Twitter (as MediaNama reads it):
    # 2,613 = 2,367 routine + 246 emergency; its next half's 3,463 routine are 1,096 more than 2,367.
    [(figure_id, claimed, kind, explanation)] = rows(
        real_db,
        """SELECT figure_id, claimed_value, kind, explanation FROM disagreements
           WHERE disagreement_id = 'x-ind-2020h1-parts-do-not-add-up'""",
    )
    assert (figure_id, claimed, kind) == ("x-ind-2020h1-all-requests_received", 2983, "typo")
    assert "2,613" in explanation and "2,367 routine" in explanation and "2,883" in explanation
    kept = dict(
        rows(
            real_db,
            """SELECT request_type_id, value FROM figures WHERE platform_id = 'x' AND jurisdiction_id = 'IND'
               AND period_start = '2020-01-01' AND period_end = '2020-06-30' AND metric_id = 'requests_received'
               AND source_id LIKE 'medianama-%' AND is_derived = 0""",
        )
    )
    assert kept == {"all": 2613, "legal_process": 2367, "emergency": 246}
    assert kept["legal_process"] + kept["emergency"] == kept["all"] != claimed
    [(next_routine,)] = rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'x-ind-2020h2-legal_process-requests_received'"
    )
    assert next_routine - 1096 == 2367


def test_indias_january_june_2020_total_given_as_routine_or_transposed_is_recorded_on_the_routine_figure(real_db):
    # Yahoo: "3,615 routine requests ... when it made 2,613 such requests": 2,613 is routine and
    # emergency together, a different_value against the kept 2,367 routine, as Mint's transposed
    # 2,637 routine is a typo of it.
    kept = "x-ind-2020h1-legal_process-requests_received"
    recorded = rows(
        real_db,
        """SELECT d.disagreement_id, d.claimed_value, d.kind, f.value FROM disagreements d JOIN figures f USING (figure_id)
           WHERE d.figure_id = ? ORDER BY d.disagreement_id""",
        kept,
    )
    assert recorded == [
        ("x-ind-2020h1-2613-called-routine", 2613, "different_value", 2367),
        ("x-ind-2020h1-mint-2637-routine", 2637, "typo", 2367),
    ]
    [(total, emergency)] = rows(
        real_db,
        """SELECT a.value, e.value FROM figures a, figures e WHERE a.figure_id = 'x-ind-2020h1-all-requests_received'
           AND e.figure_id = 'x-ind-2020h1-emergency-requests_received'""",
    )
    assert total == 2613 == 2367 + emergency


def test_tiktoks_298_legal_requests_are_legal_and_emergency_a_different_value_not_a_period(real_db):
    # FHM Pakistan's "298 legal requests" "in 2019" are TikTok's 250 legal and 48 emergency requests
    # of January-June 2019: the number differs from the kept 250 by its request type, as the US's 68
    # legal requests given as all requests do, not by its period.
    [(claimed, kind)] = rows(
        real_db,
        "SELECT claimed_value, kind FROM disagreements WHERE disagreement_id = 'tiktok-world-2019h1-298-called-legal'",
    )
    kept = dict(
        rows(
            real_db,
            """SELECT request_type_id, value FROM figures WHERE platform_id = 'tiktok' AND jurisdiction_id = 'WORLD'
               AND period_start = '2019-01-01' AND period_end = '2019-06-30' AND metric_id = 'requests_received'""",
        )
    )
    assert claimed == kept["legal_process"] + kept["emergency"] == 298
    assert kind == "different_value"
    assert rows(
        real_db, "SELECT kind FROM disagreements WHERE disagreement_id = 'tiktok-usa-2019h1-68-legal-called-all'"
    ) == [(kind,)]


def test_a_disagreement_whose_explanation_names_the_figure_kept_is_recorded_on_it(site, real_db):
    # "India tops the list with nearly 7,000 requests": the explanation says the compilation's
    # January-September 2024 figure is the one kept, so the claim shows on that figure's page.
    kept = "telegram-ind-20240101-20240930-ip_or_phone-requests_fulfilled"
    assert rows(
        real_db,
        """SELECT d.claimed_value, d.kind, f.value FROM disagreements d JOIN figures f USING (figure_id)
           WHERE d.disagreement_id = 'telegram-tgnews-india-nearly-7000'""",
    ) == [(7000, "rounded", 6992)]
    html = site.get(f"/figure/{kept}").text
    disagreements = html[html.index("<h2>Disagreements") :]
    assert "India tops the list with nearly 7,000 requests" in disagreements


def test_vietnam_plus_more_than_2000_french_users_in_the_second_half_is_q3_and_q4_summed(real_db):
    # "au deuxième semestre ... plus de 2 000 utilisateurs, dont plus de 50 % ... au quatrième
    # trimestre": the bot's Q3 and Q4 users (632 + 1,386 = 2,018) say as much, so the sentence is a
    # sum of quarters, not the year's 2,072 put in the wrong period.
    [(figure_id, claimed, kind)] = rows(
        real_db,
        "SELECT figure_id, claimed_value, kind FROM disagreements WHERE disagreement_id = 'telegram-fra-2024-vietnam-h2'",
    )
    users = dict(
        rows(
            real_db,
            """SELECT period_label, value FROM figures WHERE platform_id = 'telegram' AND jurisdiction_id = 'FRA'
               AND metric_id = 'accounts_affected' AND period_label IN ('2024q3', '2024q4')""",
        )
    )
    second_half = users["2024q3"] + users["2024q4"]
    assert second_half > claimed == 2000 and users["2024q4"] > second_half / 2
    assert (figure_id, kind) == (None, "arithmetic_total")


def test_twitters_worldwide_january_june_2020_parts_from_medianama_add_up_and_sum_into_the_year(real_db):
    # MediaNama's list: 12,657 requests (Mint's worldwide total, kept), 10,425 routine, 2,232
    # emergency, 25,560 accounts specified; its opening paragraph rounds to 12,700 and 25,600.
    medianama = "medianama-2021-01-twitter-global-information-requests-h1-2020"
    h1 = dict(
        rows(
            real_db,
            """SELECT request_type_id || ' ' || metric_id, value FROM figures WHERE platform_id = 'x'
               AND jurisdiction_id = 'WORLD' AND period_start = '2020-01-01' AND period_end = '2020-06-30'
               AND source_id = ? AND is_derived = 0""",
            medianama,
        )
    )
    assert h1 == {
        "legal_process requests_received": 10425,
        "emergency requests_received": 2232,
        "all accounts_specified": 25560,
    }
    [(total, total_source)] = rows(
        real_db, "SELECT value, source_id FROM figures WHERE figure_id = 'x-world-2020h1-all-requests_received'"
    )
    assert (total, total_source) == (12657, "livemint-2021-07-14-twitter-india-largest-source")
    assert h1["legal_process requests_received"] + h1["emergency requests_received"] == total
    [(corroborating_quote,)] = rows(
        real_db,
        "SELECT quote FROM corroborations WHERE figure_id = 'x-world-2020h1-all-requests_received' AND source_id = ?",
        medianama,
    )
    assert "12,657 requests" in corroborating_quote
    rounded = rows(
        real_db,
        "SELECT figure_id, claimed_value FROM disagreements WHERE source_id = ? AND kind = 'rounded' ORDER BY 2",
        medianama,
    )
    assert rounded == [
        ("x-world-2020h1-all-requests_received", 12700),
        ("x-world-2020h1-all-accounts_specified", 25600),
    ]
    year = dict(
        rows(
            real_db,
            """SELECT request_type_id, value FROM figures WHERE platform_id = 'x' AND jurisdiction_id = 'WORLD'
               AND period_start = '2020-01-01' AND period_end = '2020-12-31' AND metric_id = 'requests_received'
               AND is_derived = 1""",
        )
    )
    # 2020's halves: 12,657 + 14,561, 10,425 + 12,109 routine, 2,232 + 2,452 emergency.
    assert year == {"all": 27218, "legal_process": 22534, "emergency": 4684}
    assert year["legal_process"] + year["emergency"] == year["all"]
