"""The personal details detector: what it finds in comments it was not tuned on, what it must
never take for a personal detail, and that its spans are right in the text as the reader wrote it."""

from __future__ import annotations

import re

import pytest

from bench.corpus.personal_details import examples
from bench.personal_details import scores
from moderation.i18n import shipped
from moderation.safety.personal_details import PHONE_REGIONS, Detail, Kind, find_personal_details, kinds, redact

# What the held-out comments measured when they were first run (bench/personal_details.py):
# every kind's recall 0.98 or more, one ordinary comment in 200 flagged.
LEAST_RECALL = 0.95
MOST_FALSE_ALARMS = 0.01


def test_on_comments_it_was_not_tuned_on_it_finds_each_kind_and_rarely_flags_ordinary_talk() -> None:
    held_out = examples("held_out")
    result = scores(held_out)
    print("\n" + "\n".join(result.lines()))
    for kind in Kind:
        assert sum(result.expected[kind, language] for language in ("en", "de", "es")) >= 60, kind
        assert result.recall(kind) >= LEAST_RECALL, (kind, result.recall(kind))
        assert result.false_alarms(kind) <= MOST_FALSE_ALARMS, (kind, result.false_alarms(kind))
    assert sum(result.ordinary.values()) >= 200
    assert result.ordinary_flagged() <= MOST_FALSE_ALARMS


ORDINARY = [
    ("en", "I do 2 sessions a week, 50 mg each time."),
    ("en", "I've had depression since 2019."),
    ("en", "We were in room 101 again."),
    ("en", "If it's an emergency, call 911."),
    ("en", "I'm 45 and this is my first time."),
    ("en", "The nurse said 2-3 times a week, 1.5 mg/kg."),
    ("en", "My next appointment is 03/04/2025 at 10:30."),
    ("en", "Nothing like this near my ZIP code, 90210."),
    ("en", "Each session was $450, 6 sessions for $2,400."),
    ("en", "It's a 10 minute drive from the station."),
    ("en", "I was born in 1980 and I'm on 20 mg of Lexapro."),
    ("en", "Happy birthday to the Tuesday nurse! See you on 4 May."),
    ("en", "I read about it at nytimes.com."),
    ("en", "My patient portal logs me out every 15 minutes."),
    ("de", "Ich mache 2-3 Mal pro Woche eine Sitzung, 0,5 mg/kg."),
    ("de", "Seit 2019 in Behandlung, Termin am 12.03.2025 um 10:30 Uhr."),
    ("de", "Auf dem Heimweg 20 Minuten geschlafen, Zimmer 101."),
    ("de", "Ich bin 45, im Notfall 112 anrufen."),
    ("es", "Voy 2 veces por semana, 50 mg cada vez, desde 2019."),
    ("es", "Tengo 45 años, la habitación 101 es muy tranquila."),
    ("es", "Plaza Mayor 3 veces esta semana, y mi cita es el 12/03/2025."),
    ("es", "En una emergencia llama al 112."),
]


@pytest.mark.parametrize(("language", "text"), ORDINARY)
def test_ordinary_health_talk_is_never_flagged(language: str, text: str) -> None:
    assert find_personal_details(text, language) == []


PHONES = [
    ("en", "(415) 823-4471"),
    ("en", "415.823.4471"),
    ("en", "+1 415 823 4471"),
    ("en", "020 7946 0018"),
    ("en", "+44 (0)20-7946-0018"),
    ("en", "+44 7911 123456"),
    ("en", "0412 345 678"),
    ("en", "+353 86 123 4567"),
    ("de", "0151 23456789"),
    ("de", "030/1234567"),
    ("de", "+49 (0)89 12 34 56 78"),
    ("de", "0049 221 9876543"),
    ("de", "+43 664 1234567"),
    ("de", "+41 79 123 45 67"),
    ("es", "612 34 56 78"),
    ("es", "+34 912-345-678"),
    ("es", "+52 55 1234 5678"),
    ("es", "+54 9 11 2345-6789"),
]


@pytest.mark.parametrize(("language", "phone"), PHONES)
def test_redact_removes_every_digit_of_a_phone_and_leaves_the_rest(language: str, phone: str) -> None:
    text = f"Loved the article. Reach me at {phone} after 5, thanks!"
    details = find_personal_details(text, language)
    assert kinds(details) == [Kind.PHONE]
    redacted = redact(text, details)
    assert redacted == "Loved the article. Reach me at [removed] after 5, thanks!"
    assert not re.search(r"\d", redacted.replace("after 5", ""))


def test_each_kind_is_found_in_one_comment_and_only_the_details_are_removed() -> None:
    text = (
        "Dr. Patel, I'm at 42 Maple Drive, call (415) 823-4471 or mail jo.k@example.org. "
        "DOB 01/02/1970, MRN 12345678, 2 sessions a week so far."
    )
    details = find_personal_details(text, "en")
    assert [(detail.kind, text[detail.start : detail.end]) for detail in details] == [
        (Kind.STREET_ADDRESS, "42 Maple Drive"),
        (Kind.PHONE, "(415) 823-4471"),
        (Kind.EMAIL, "jo.k@example.org"),
        (Kind.DATE_OF_BIRTH, "01/02/1970"),
        (Kind.ID_NUMBER, "12345678"),
    ]
    assert redact(text, details) == (
        "Dr. Patel, I'm at [removed], call [removed] or mail [removed]. "
        "DOB [removed], MRN [removed], 2 sessions a week so far."
    )
    assert kinds(details) == list(Kind)
    assert [kind.value for kind in Kind] == ["phone", "email", "street_address", "date_of_birth", "id_number"]


@pytest.mark.parametrize(
    ("language", "text", "kind"),
    [
        ("en", "Card 4111 1111 1111 1111 was charged twice.", Kind.ID_NUMBER),
        ("de", "Bitte auf DE89 3704 0044 0532 0130 00 erstatten.", Kind.ID_NUMBER),
        ("es", "Mi DNI es 12345678Z.", Kind.ID_NUMBER),
        ("de", "Ich bin am 3. März 1982 geboren.", Kind.DATE_OF_BIRTH),
        ("es", "Vivo en C/ Alcalá 123, Madrid.", Kind.STREET_ADDRESS),
        ("de", "Schreib an anna (at) posteo (punkt) de.", Kind.EMAIL),
    ],
)
def test_checksums_and_each_language_s_words(language: str, text: str, kind: Kind) -> None:
    assert kinds(find_personal_details(text, language)) == [kind]


def test_a_card_number_counts_only_when_its_checksum_holds() -> None:
    assert find_personal_details("Order 4111 1111 1111 1112 arrived.", "en") == []
    assert kinds(find_personal_details("Order 4111 1111 1111 1111 arrived.", "en")) == [Kind.ID_NUMBER]


def test_full_width_digits_count_and_their_span_is_right_in_the_original_text() -> None:
    text = "Ｒｕｆ ａｎ: ０１５１ ２３４５ ６７８９, ｇｅｂ. １２．０３．１９８５!"
    details = find_personal_details(text, "de")
    assert [(detail.kind, text[detail.start : detail.end]) for detail in details] == [
        (Kind.PHONE, "０１５１ ２３４５ ６７８９"),
        (Kind.DATE_OF_BIRTH, "１２．０３．１９８５"),
    ]
    assert redact(text, details) == "Ｒｕｆ ａｎ: [removed], ｇｅｂ. [removed]!"


def test_invisible_characters_and_combining_accents_neither_hide_a_detail_nor_shift_its_span() -> None:
    text = "Ruf an: 0151\u200b2345\u200b6789. Naci\u0301 el 3 de marzo de 1980."
    details = find_personal_details(text, "es")
    assert kinds(details) == [Kind.PHONE, Kind.DATE_OF_BIRTH]
    assert redact(text, details) == "Ruf an: [removed]. Naci\u0301 el [removed]."


def test_overlapping_spans_are_merged_into_one() -> None:
    text = "My SSN is 287-65-4321."  # found twice: after the word SSN, and by its shape
    assert find_personal_details(text, "en") == [Detail(Kind.ID_NUMBER, 10, 21)]
    overlapping = [Detail(Kind.PHONE, 0, 5), Detail(Kind.ID_NUMBER, 3, 10), Detail(Kind.EMAIL, 12, 14)]
    assert redact("0123456789 xyz", overlapping) == "[removed] x[removed]"


def test_the_language_picks_the_phone_regions_and_an_unknown_one_reads_them_all() -> None:
    text = "Greetings from Vienna, 0664 1234567 here."  # an Austrian mobile number, written as Austrians do
    assert find_personal_details(text, "en") == []
    assert kinds(find_personal_details(text, "de-AT")) == [Kind.PHONE]
    assert kinds(find_personal_details(text, "fr")) == [Kind.PHONE]
    assert kinds(find_personal_details("Greetings from Vienna, +43 664 1234567 here.", "en")) == [Kind.PHONE]


def test_every_shipped_language_has_its_phone_regions_and_words() -> None:
    assert set(PHONE_REGIONS) == set(shipped())
    for language in shipped():
        found = find_personal_details("+49 151 23456789, jo@example.org, IBAN DE89 3704 0044 0532 0130 00", language)
        assert kinds(found) == [Kind.PHONE, Kind.EMAIL, Kind.ID_NUMBER], language
