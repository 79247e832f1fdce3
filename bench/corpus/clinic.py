"""A year of comments on a ketamine clinic's blog, good and spam, made from hand-written parts:
questions, side effects, thanks and experiences (mostly English, some German and Spanish), and
the spam such a blog gets (pharmacy, loans, SEO links behind a friendly sentence, crypto, fake
reviews, bare links). The same seed gives the same corpus, in the order it arrived."""

from __future__ import annotations

import random
from dataclasses import dataclass

START = 1_735_689_600.0  # 2025-01-01, UTC
YEAR = 365 * 86400.0


@dataclass(frozen=True)
class Item:
    at: float
    name: str
    website: str
    body: str
    spam: bool
    kind: str


FIRST = [
    "Dana",
    "Mark",
    "Julia",
    "Tom",
    "Priya",
    "Ahmed",
    "Lena",
    "Carlos",
    "Sofia",
    "Ben",
    "Maria",
    "Jonas",
    "Aisha",
    "Kevin",
    "Ruth",
    "Diego",
    "Hannah",
    "Omar",
    "Claire",
    "Lukas",
    "Elena",
    "Sam",
    "Nora",
    "Pablo",
]
LAST = ["R.", "Schmidt", "Miller", "Garcia", "K.", "Okafor", "Nguyen", "Weber", "Lopez", "", "Brown", "Fischer"]
TREATMENT = [
    "ketamine",
    "ketamine infusions",
    "the infusions",
    "esketamine",
    "the nasal spray",
    "treatment",
    "the sessions",
    "ketamine therapy",
    "the IV sessions",
]
SYMPTOM = [
    "depression",
    "anxiety",
    "PTSD",
    "my mood",
    "the dark thoughts",
    "my sleep",
    "chronic pain",
    "the fog in my head",
    "OCD symptoms",
    "my energy",
]
SIDE = [
    "dizzy",
    "nauseous",
    "a bit dissociated",
    "very tired afterwards",
    "a headache",
    "floaty",
    "anxious",
    "my blood pressure went up",
    "blurry vision for an hour",
    "strange dreams",
]
WHO = [
    "my psychiatrist",
    "my GP",
    "the nurse",
    "my therapist",
    "the doctor at intake",
    "my husband",
    "my wife",
    "my sister",
    "a friend",
]
SOURCES = [
    "https://www.nimh.nih.gov/health/topics/depression",
    "https://en.wikipedia.org/wiki/Ketamine",
    "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5961516/",
    "https://pubmed.ncbi.nlm.nih.gov/30786792/",
    "https://www.nhs.uk/mental-health/",
    "https://www.mind.org.uk/",
]
BLOGS = [
    "https://dana-writes.example",
    "https://slowrecovery.example/blog",
    "https://www.mark-miller.example",
    "https://notes.julia.example",
    "",
]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}".strip()


def _question(rng: random.Random) -> str:
    templates = [
        "How many sessions did you need before {symptom} started to lift? I'm on my {nth} and feel little so far.",
        "Is it normal to feel {side} after {treatment}? Nobody told me to expect it.",
        "Does insurance usually cover {treatment}, or did you pay yourself? What did it cost roughly?",
        "Can I keep taking my antidepressant during {treatment}? {who} was not sure.",
        "How long does the effect last? After {n} weeks {symptom} seems to come back.",
        "Did anyone drive home after {treatment}? The clinic says no, but I live alone.",
        "What is the difference between {treatment} and the nasal spray for {symptom}?",
        "Is there an age limit? My father is 74 and has struggled with {symptom} for years.",
        "Should I eat before the appointment? Last time I felt {side}.",
        "Has anyone with {symptom} and high blood pressure tried this? I am worried about the side effects.",
    ]
    return rng.choice(templates)


def _experience(rng: random.Random) -> str:
    templates = [
        "After {n} {treatment} {symptom} is much better. Not gone, but I can work again.",
        "My first session was scary, I felt {side}, but by the third one it was fine and {symptom} improved.",
        "I was sceptical, {who} suggested it after years of failed medication."
        " Six weeks later I'm still here and grateful.",
        "For me {treatment} did nothing for {symptom}, sadly. Worth trying though, everyone reacts differently.",
        "The staff were kind. I felt {side} for about an hour and then slept twelve hours.",
        "It helped with {symptom} but the effect faded after {n} weeks; boosters every month keep it steady.",
        "I kept a diary during the {nth} round: the first days {symptom} was worse, then slowly lighter.",
        "Two years of {symptom}, {n} infusions, and for the first time I noticed the birds outside again.",
    ]
    return rng.choice(templates)


def _thanks(rng: random.Random) -> str:
    templates = [
        "Thank you for writing this so plainly. It answered what {who} could not.",
        "Thanks, this article about {treatment} gave me the courage to ask for a referral.",
        "Very helpful, especially the part about feeling {side}. I shared it with {who}.",
        "I read this the night before my {nth} session and it calmed me down. Thank you.",
        "Clear and honest, no hype. Appreciated.",
        "Thanks for mentioning that it does not work for everyone, that matters.",
    ]
    return rng.choice(templates)


def _source(rng: random.Random) -> str:
    return rng.choice(
        [
            "There is a good summary of the studies here: {source}",
            "For anyone wondering about the evidence: {source}",
            "I found this useful too: {source}",
        ]
    )


GERMAN = [
    "Wie viele Sitzungen braucht man normalerweise, bis die Depression besser wird?",
    "Nach der dritten Infusion war mir schwindelig, ist das normal?",
    "Danke für den Artikel, er hat mir vor dem ersten Termin sehr geholfen.",
    "Übernimmt die Krankenkasse die Kosten für die Ketamin-Behandlung?",
    "Bei mir hat es nach fünf Sitzungen gewirkt, die Angst ist deutlich weniger geworden.",
    "Darf man nach der Behandlung Auto fahren? Mein Arzt war sich nicht sicher.",
    "Ich hatte starke Kopfschmerzen danach. Hat jemand ähnliche Erfahrungen gemacht?",
]
SPANISH = [
    "¿Cuántas sesiones necesitaron para notar mejoría con la depresión?",
    "Gracias por el artículo, me ayudó mucho antes de mi primera infusión.",
    "Después de la segunda sesión me sentí mareada, ¿es normal?",
    "¿El seguro cubre el tratamiento con ketamina? Mi médico no lo sabía.",
    "A mí me funcionó después de seis infusiones, la ansiedad bajó mucho.",
    "Mi hermana tiene depresión desde hace años, ¿hay límite de edad?",
]


def good(rng: random.Random) -> tuple[str, str, str]:
    roll = rng.random()
    if roll < 0.1:
        body = rng.choice(GERMAN)
    elif roll < 0.18:
        body = rng.choice(SPANISH)
    else:
        parts = [rng.choice([_question, _experience, _thanks, _experience, _question])(rng)]
        if rng.random() < 0.35:
            parts.append(rng.choice([_question, _thanks, _experience])(rng))
        if rng.random() < 0.12:
            parts.append(_source(rng))
        body = " ".join(parts)
    body = _fill(rng, body)
    if rng.random() < 0.15:
        body = body.lower()
    return _person(rng), rng.choice(BLOGS) if rng.random() < 0.2 else "", body


DRUGS = [
    "viagra",
    "cialis",
    "tramadol",
    "xanax",
    "oxycodone",
    "ketamine",
    "modafinil",
    "adderall",
    "v1agra",
    "valium",
    "phentermine",
    "k3tamine",
]
SHOPS = [
    "https://rx-cheapmeds.example/buy",
    "http://pharma-direct.example",
    "https://www.bestpills24.example/shop",
    "http://meds-no-rx.example/order",
    "https://canadapharm.example/?ref=blog",
    "http://pillstore.example",
]
LENDERS = [
    "https://fastcash-now.example",
    "http://quickloan.example/apply",
    "https://www.paydayfriend.example",
    "http://credit-instant.example",
]
SEO = [
    "https://best-wellness-tips.example/ketamine-guide",
    "https://healthyhub.example/blog/depression",
    "https://www.seo-health-articles.example",
    "http://mindfulnest.example/post?id=42",
    "https://top10clinics.example/reviews",
    "https://naturalcure.example/anxiety",
]
COINS = [
    "https://btc-double.example",
    "http://crypto-signals.example/join",
    "https://www.elonbtc-gift.example",
    "https://forexpro.example/invest",
]
SPAM_NAMES = [
    "Cheap Meds",
    "best pharmacy",
    "Loan Expert",
    "John Smith",
    "SEO Services",
    "crypto king",
    "Mary Johnson",
    "Buy Now",
    "healthtips",
    "Anna",
    "Dr. Wellness",
    "Robert",
    "FastCash",
    "Jessica Lee",
]


def _pharmacy(rng: random.Random) -> str:
    return rng.choice(
        [
            "Buy {drug} online without prescription, discreet shipping worldwide: {shop}",
            "Cheap {drug} and {drug2}, lowest prices guaranteed, order now {shop}",
            "Need {drug}? No doctor needed. {shop} FAST DELIVERY",
            "Order {drug} 100mg for $0.99 per pill at {shop} - best online pharmacy 2025",
            "Stop suffering, get {drug} delivered tomorrow. Visit {shop} and use code SAVE20",
            "buy {drug} online {shop} buy {drug2} online {shop}",
        ]
    )


def _loan(rng: random.Random) -> str:
    return rng.choice(
        [
            "Need money fast? Get a loan approved in {n} minutes, bad credit OK: {lender}",
            "Payday loans up to ${big} with no credit check. Apply today at {lender}",
            "Are you in debt because of medical bills? We can help, instant cash {lender}",
            "Low interest personal loans for treatment costs, apply in 5 minutes {lender}",
        ]
    )


def _seo(rng: random.Random) -> str:
    return rng.choice(
        [
            "Great article, very informative! I also wrote about this topic here: {seo}",
            "Thanks for sharing this wonderful post. Keep up the good work. Check out my site {seo}",
            "Nice blog! I really enjoyed reading it. You can find more tips at {seo}",
            "This is really helpful information about {symptom}. We have a complete guide on {seo} too.",
            "I have been searching for this kind of content. Bookmarked! Also see {seo} for natural remedies.",
            "Wow, amazing write up. Your readers may like our list of the top clinics: {seo}",
            "Hello admin, very good content, would you accept a guest post? Contact me via {seo}",
        ]
    )


def _crypto(rng: random.Random) -> str:
    return rng.choice(
        [
            "I made ${big} in one week with bitcoin trading signals, join now {coin}",
            "Send 0.1 BTC and receive 0.2 BTC back, limited giveaway {coin}",
            "Depression because of money? Invest with our forex robot and earn passive income {coin}",
            "Crypto investment platform with {n}% daily profit, withdraw anytime {coin}",
        ]
    )


def _review(rng: random.Random) -> str:
    return rng.choice(
        [
            "Dr. Okoro cured my {symptom} with herbal medicine in one week!!!"
            " Contact him on WhatsApp +234 81 {n}44 9911",
            "BEST CLINIC EVER, 5 STARS, they cured my {symptom} completely, call +1 (555) {n}0-2211 now",
            "I was healed by a spell caster after years of {symptom}, email drwilliams.spell@example.com",
            "Amazing results, 100% recommended, I recommend Dr. Ade for anxiety and PTSD, 100% guaranteed cure",
        ]
    )


def _foreign(rng: random.Random) -> str:
    return rng.choice(
        [
            "Günstige Kredite ohne Schufa, Auszahlung in 24 Stunden: {lender}",
            "{drug} rezeptfrei kaufen, diskreter Versand: {shop}",
            "Toller Artikel! Mehr Tipps gegen Depression finden Sie auf {seo}",
            "Compra {drug} sin receta, envío rápido y discreto {shop}",
            "Préstamos rápidos sin aval, dinero hoy mismo {lender}",
            "Gana dinero desde casa con bitcoin, únete ya {coin}",
        ]
    )


def _bare(rng: random.Random) -> str:
    links = SHOPS + LENDERS + SEO + COINS
    return " ".join(rng.choice(links) for _ in range(rng.randint(1, 4)))


SPAM_KINDS = {
    "pharmacy": _pharmacy,
    "loans": _loan,
    "seo": _seo,
    "crypto": _crypto,
    "review": _review,
    "bare link": _bare,
    "german or spanish": _foreign,
}


def spam(rng: random.Random) -> tuple[str, str, str, str]:
    kind = rng.choice(list(SPAM_KINDS))
    body = _fill(rng, SPAM_KINDS[kind](rng))
    if rng.random() < 0.25:
        body = body.upper()
    website = rng.choice(SEO + SHOPS + COINS) if rng.random() < 0.5 else ""
    name = rng.choice(SPAM_NAMES) if rng.random() < 0.7 else _person(rng)
    return name, website, body, kind


def _fill(rng: random.Random, template: str) -> str:
    values = {
        "treatment": rng.choice(TREATMENT),
        "symptom": rng.choice(SYMPTOM),
        "side": rng.choice(SIDE),
        "who": rng.choice(WHO),
        "n": rng.randint(2, 12),
        "big": rng.choice(["5,000", "10000", "2.500", "50,000"]),
        "nth": rng.choice(["second", "third", "fourth", "fifth", "sixth"]),
        "source": rng.choice(SOURCES),
        "drug": rng.choice(DRUGS),
        "drug2": rng.choice(DRUGS),
        "shop": rng.choice(SHOPS),
        "lender": rng.choice(LENDERS),
        "seo": rng.choice(SEO),
        "coin": rng.choice(COINS),
    }
    return template.format(**values)


def corpus(size: int = 800, spam_share: float = 0.4, seed: int = 18) -> list[Item]:
    """`size` different comments over a year, oldest first: no text twice, so that no test
    comment is one the model was taught."""
    rng = random.Random(seed)
    items: list[Item] = []
    seen: set[str] = set()
    while len(items) < size:
        at = START + rng.random() * YEAR
        if rng.random() < spam_share:
            name, website, body, kind = spam(rng)
        else:
            (name, website, body), kind = good(rng), "good"
        if body.casefold() not in seen:
            seen.add(body.casefold())
            items.append(Item(at, name, website, body, kind != "good", kind))
    return sorted(items, key=lambda item: item.at)
