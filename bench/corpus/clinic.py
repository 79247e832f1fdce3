"""A year of comments on a ketamine clinic's blog, good and spam, made from hand-written parts.

Good comments ask, tell and thank, in English, German and Spanish; they name drugs and doses,
prices and insurers, link to health sites, shout in capitals when a reader is angry, and are
sometimes two words long. Spam sells pills (some spelt "v1agra" or "c i a l i s"), loans and
crypto, praises the clinic in fake reviews, hides an SEO link behind a friendly sentence about
ketamine, or is one line of praise with a website. Spam campaigns come and go: some start only
late in the year, with wording and domains the older comments never showed, as on a real blog.
The same seed gives the same corpus, in the order it arrived."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

START = 1_735_689_600.0  # 2025-01-01, UTC
YEAR = 365 * 86400.0

Pick = Callable[[random.Random], str]


@dataclass(frozen=True)
class Item:
    at: float
    name: str
    website: str
    body: str
    spam: bool
    kind: str


FIRST = (
    "Dana Mark Julia Tom Priya Ahmed Lena Carlos Sofia Ben Maria Jonas Aisha Kevin Ruth Diego Hannah Omar Claire"
    " Lukas Elena Sam Nora Pablo Greta Yusuf Ingrid Mateo Chloe Rafael Anke Lucía Frank Mei Tobias Fatima Joe"
).split()
LAST = ["R.", "Schmidt", "Miller", "Garcia", "K.", "Okafor", "Nguyen", "Weber", "Lopez", "", "", "Brown", "Fischer"]
TREATMENT = [
    "ketamine",
    "ketamine infusions",
    "the infusions",
    "esketamine",
    "Spravato",
    "the nasal spray",
    "treatment",
    "the sessions",
    "ketamine therapy",
    "the IV sessions",
    "the boosters",
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
    "postpartum depression",
    "bipolar depression",
    "migraines",
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
    "numb lips",
    "a racing heart",
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
    "my pharmacist",
    "the anaesthetist",
]
MEDICATION = [
    "sertraline 100 mg",
    "escitalopram 20mg",
    "bupropion 150 mg",
    "lithium",
    "lamotrigine 200mg",
    "venlafaxine 225 mg",
    "quetiapine 50mg at night",
    "a benzo (lorazepam 0.5 mg)",
    "naltrexone",
    "ondansetron for the nausea",
    "propranolol",
    "tramadol for my back",
]
DOSE = ["0.5 mg/kg", "0.75 mg/kg", "35 mg", "56 mg", "84 mg", "1 mg/kg", "40 minutes at 0.5 mg/kg"]
PRICE = ["$400", "$450", "$550", "$600", "€350", "£300", "$890", "$1,200"]
INSURER = ["Aetna", "Blue Cross", "Cigna", "United", "my insurance", "the Krankenkasse", "Medicare", "the NHS"]
HEALTH_LINKS = [
    "https://www.nimh.nih.gov/health/topics/depression",
    "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5961516/",
    "https://pubmed.ncbi.nlm.nih.gov/30786792/",
    "https://www.nhs.uk/mental-health/conditions/depression-in-adults/treatment/",
    "https://www.nhs.uk/medicines/esketamine/",
    "https://www.mayoclinic.org/diseases-conditions/depression/in-depth/ketamine/art-20559345",
    "https://www.mayoclinic.org/diseases-conditions/treatment-resistant-depression/",
    "https://medlineplus.gov/druginfo/meds/a619017.html",
    "https://www.fda.gov/drugs/esketamine",
    "https://en.wikipedia.org/wiki/Ketamine",
    "https://www.mind.org.uk/information-support/drugs-and-treatments/",
    "https://www.gesundheitsinformation.de/depression.html",
]
BLOGS = [
    "https://dana-writes.blog",
    "https://slowrecovery.net/blog",
    "https://www.mark-miller.com",
    "https://notes.julia.me",
    "https://github.com/tobias-k",
    "https://www.linkedin.com/in/priya-n",
    "https://mein-weg-aus-der-depression.de",
    "https://cuaderno-elena.es",
    "https://www.facebook.com/omar.k",
    "https://ruthbrown.org",
]
NTH = ["second", "third", "fourth", "fifth", "sixth", "eighth"]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}".strip()


def _fill(rng: random.Random, template: str) -> str:
    values = {
        "treatment": rng.choice(TREATMENT),
        "symptom": rng.choice(SYMPTOM),
        "side": rng.choice(SIDE),
        "who": rng.choice(WHO),
        "med": rng.choice(MEDICATION),
        "dose": rng.choice(DOSE),
        "price": rng.choice(PRICE),
        "insurer": rng.choice(INSURER),
        "health": rng.choice(HEALTH_LINKS),
        "n": rng.randint(2, 12),
        "nth": rng.choice(NTH),
        "drug": rng.choice(DRUGS),
        "shop": _domain(rng, SHOP_WORDS),
        "lender": _domain(rng, LOAN_WORDS),
        "seo": _domain(rng, SEO_WORDS),
        "coin": _domain(rng, COIN_WORDS),
        "phone": f"+{rng.choice(['1', '44', '234', '27'])} {rng.randint(200, 999)} {rng.randint(1000000, 9999999)}",
        "big": rng.choice(["5,000", "10000", "2.500", "50,000", "1,500"]),
    }
    return template.format(**values)


QUESTIONS = [
    "How many sessions did you need before {symptom} started to lift? I'm on my {nth} and feel little so far.",
    "Is it normal to feel {side} after {treatment}? Nobody told me to expect it.",
    "Does insurance usually cover {treatment}, or did you pay yourself? What did it cost roughly?",
    "Can I keep taking {med} during {treatment}? {who} was not sure.",
    "How long does the effect last? After {n} weeks {symptom} seems to come back.",
    "Did anyone drive home after {treatment}? The clinic says no, but I live alone.",
    "What is the difference between IV ketamine and the nasal spray for {symptom}?",
    "Is there an age limit? My father is 74 and has struggled with {symptom} for years.",
    "Should I eat before the appointment? Last time I felt {side}.",
    "Has anyone with {symptom} and high blood pressure tried this? I am worried about the side effects.",
    "My dose is {dose}. Is that low or high compared to what others get?",
    "Is it safe to combine {treatment} with {med}? I could not find a clear answer.",
    "Why does one session cost {price} here when a friend paid much less elsewhere?",
    "Did {insurer} pay for Spravato for anyone? Mine asked for a prior authorization.",
    "Can you get addicted to ketamine when it is given in a clinic like this?",
    "Where can I read the actual studies, not the marketing?",
    "Do you need a referral, or can I book the first appointment myself?",
    "Is it true that ketamine can damage the bladder? I read that online and got scared.",
]
EXPERIENCES = [
    "After {n} {treatment} {symptom} is much better. Not gone, but I can work again.",
    "My first session was scary, I felt {side}, but by the third one it was fine and {symptom} improved.",
    "I was sceptical, {who} suggested it after years of failed medication. Six weeks later I'm still here.",
    "For me {treatment} did nothing for {symptom}, sadly. Worth trying though, everyone reacts differently.",
    "The staff were kind. I felt {side} for about an hour and then slept twelve hours.",
    "It helped with {symptom} but the effect faded after {n} weeks; boosters every month keep it steady.",
    "I kept a diary during the {nth} round: the first days {symptom} was worse, then slowly lighter.",
    "Two years of {symptom}, {n} infusions, and for the first time I noticed the birds outside again.",
    "I am on {med} and had {treatment} at {dose}; {who} checked the interactions first and it went fine.",
    "Each session cost me {price}. {insurer} paid nothing, so I could only afford {n} of them.",
    "{insurer} covered the nasal spray after two letters from {who}. Keep pushing, it is worth it.",
    "I felt {side} during the infusion, the nurse lowered the rate and it passed within minutes.",
    "Honestly the dissociation was the strangest part, like watching myself from the ceiling.",
    "I stopped {med} before starting, on the advice of {who}, which I now think was a mistake.",
    "Three months later {symptom} is back, but milder. I booked a booster for next week.",
]
THANKS = [
    "Thank you for writing this so plainly. It answered what {who} could not.",
    "Thanks, this article about {treatment} gave me the courage to ask for a referral.",
    "Very helpful, especially the part about feeling {side}. I shared it with {who}.",
    "I read this the night before my {nth} session and it calmed me down. Thank you.",
    "Clear and honest, no hype. Appreciated.",
    "Thanks for mentioning that it does not work for everyone, that matters.",
    "Great article, thank you. Printing it for my mother.",
    "This is the most balanced piece on ketamine I have read so far.",
]
SOURCES = [
    "There is a good summary of the studies here: {health}",
    "For anyone wondering about the evidence: {health}",
    "The NHS page is worth reading too: {health}",
    "I found this useful before my first appointment: {health}",
    "Mayo Clinic has a page on this, {health} - it matches what the article says.",
    "See {health} for the side effects list.",
]
ANGRY = [
    "I WAITED TWO HOURS FOR MY APPOINTMENT AND NOBODY EVEN SAID SORRY.",
    "YOU CHARGED ME {price} TWICE AND NOBODY ANSWERS THE PHONE. UNACCEPTABLE!!!",
    "STOP calling it a miracle cure. It is NOT one for everybody.",
    "WHY IS THIS NOT COVERED BY {insurer}? People are desperate and you charge {price}.",
    "Three emails and no answer about my invoice. VERY DISAPPOINTED.",
    "THIS IS DANGEROUS ADVICE. Ketamine is not candy.",
    "I FELT {side} AND THE NURSE JUST LEFT THE ROOM. NOT OK.",
]
SHORT = [
    "Thank you!",
    "Same here.",
    "This helped, thanks.",
    "Following this thread.",
    "Great post, thank you.",
    "Very useful.",
    "Me too, {n} sessions in.",
    "Same experience here.",
    "Thanks for this.",
    "Nice article!",
]
GERMAN = [
    "Wie viele Sitzungen braucht man normalerweise, bis {de_symptom} besser wird?",
    "Nach der {de_nth} Infusion war mir schwindelig, ist das normal?",
    "Danke für den Artikel, er hat mir vor dem ersten Termin sehr geholfen.",
    "Übernimmt die Krankenkasse die Kosten für die Ketamin-Behandlung? Ich zahle {price} pro Sitzung.",
    "Bei mir hat es nach {n} Sitzungen gewirkt, {de_symptom} ist deutlich weniger geworden.",
    "Darf man nach der Behandlung Auto fahren? {de_who} war sich nicht sicher.",
    "Ich hatte starke Kopfschmerzen danach. Hat jemand ähnliche Erfahrungen gemacht?",
    "Ich nehme {med}, {de_who} hat das vorher geprüft. Alles gut gegangen.",
    "Ehrlich gesagt hat es bei mir nichts gebracht, aber das Personal war sehr freundlich.",
    "Gibt es Studien dazu? Ich habe nur das hier gefunden: {health}",
    "WARUM ANTWORTET NIEMAND AUF MEINE E-MAILS? Ich warte seit zwei Wochen.",
    "Vielen Dank! Genau das habe ich gesucht.",
]
SPANISH = [
    "¿Cuántas sesiones necesitaron para notar mejoría con {es_symptom}?",
    "Gracias por el artículo, me ayudó mucho antes de mi {es_nth} infusión.",
    "Después de la sesión me sentí mareada, ¿es normal?",
    "¿El seguro cubre el tratamiento con ketamina? Pagué {price} por sesión.",
    "A mí me funcionó después de {n} infusiones, {es_symptom} bajó mucho.",
    "Mi hermana tiene depresión desde hace años, ¿hay límite de edad?",
    "Tomo {med} y {es_who} dijo que no había problema. Todo bien.",
    "Para mí no funcionó, pero el personal fue muy amable.",
    "¿Hay estudios serios? Encontré este: {health}",
    "¡ME COBRARON DOS VECES Y NADIE CONTESTA EL TELÉFONO!",
    "¡Muchas gracias! Justo lo que buscaba.",
]
DE_FILL = {
    "de_symptom": ["die Depression", "die Angst", "die Schlaflosigkeit", "der Schmerz"],
    "de_nth": ["zweiten", "dritten", "vierten"],
    "de_who": ["Mein Arzt", "Meine Psychiaterin", "Der Apotheker", "Meine Hausärztin"],
    "es_symptom": ["la depresión", "la ansiedad", "el insomnio", "el dolor"],
    "es_nth": ["primera", "segunda", "tercera"],
    "es_who": ["mi médico", "mi psiquiatra", "la enfermera"],
}


# Short comments would repeat word for word: a tail makes each its own.
TAILS = ["", "", " :)", " Thanks again.", "!!", " Keep it up.", " 👍", " Greetings from Leeds.", " x", " ...", " <3"]


def _short(rng: random.Random, lines: list[str]) -> str:
    return _fill(rng, rng.choice(lines)) + rng.choice(TAILS)


def _sentence(rng: random.Random, pool: list[str]) -> str:
    template = rng.choice(pool)
    for slot, choices in DE_FILL.items():
        template = template.replace("{" + slot + "}", rng.choice(choices))
    return _fill(rng, template)


def good(rng: random.Random) -> tuple[str, str, str, str]:
    roll = rng.random()
    if roll < 0.08:
        kind, body = "german", _sentence(rng, GERMAN)
    elif roll < 0.15:
        kind, body = "spanish", _sentence(rng, SPANISH)
    elif roll < 0.22:
        kind, body = "short", _short(rng, SHORT)
    elif roll < 0.28:
        kind, body = "angry", " ".join(_sentence(rng, ANGRY) for _ in range(rng.randint(1, 2)))
    else:
        kind = "good"
        pools = [QUESTIONS, EXPERIENCES, THANKS, EXPERIENCES, QUESTIONS]
        parts = [_sentence(rng, rng.choice(pools))]
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            parts.append(_sentence(rng, rng.choice([QUESTIONS, THANKS, EXPERIENCES])))
        if rng.random() < 0.15:
            parts.insert(rng.randint(0, len(parts)), _sentence(rng, SOURCES))
            kind = "health link"
        body = " ".join(parts)
    if rng.random() < 0.1:
        body = body.lower()
    website = rng.choice(BLOGS) if rng.random() < 0.15 else ""
    return _person(rng), website, body, kind


DRUGS = [
    "viagra",
    "cialis",
    "tramadol",
    "xanax",
    "oxycodone",
    "ketamine",
    "modafinil",
    "adderall",
    "valium",
    "phentermine",
    "ozempic",
]
# How spam spells what a word list would catch: late in the year, the pill campaigns use them all.
OBFUSCATED = [
    "v1agra",
    "c1alis",
    "x@nax",
    "k3tamine",
    "tr@madol",
    "v i a g r a",
    "c i a l i s",
    "V-I-A-G-R-A",
    "0xyc0done",
    "ad.der.all",
    "m0dafinil",
    "oz3mpic",
]
SHOP_WORDS = (["rx", "meds", "pharma", "pills", "drugstore", "apotheke", "farmacia"], ["24", "direct", "now", "club"])
LOAN_WORDS = (["cash", "loan", "credit", "payday", "kredit", "prestamo"], ["fast", "now", "easy", "hub"])
SEO_WORDS = (
    ["wellness", "healthyhub", "mindcare", "calmpath", "natural", "brainhealth", "ketaminecare", "therapyfinder"],
    ["guide", "tips", "blog", "clinics", "review", "journal", "daily"],
)
COIN_WORDS = (["btc", "crypto", "forex", "coin", "bitprofit", "defi"], ["signals", "gift", "pro", "earn", "club"])
TLDS = ["com", "net", "online", "shop", "xyz", "info", "org", "co"]


def _domain(rng: random.Random, words: tuple[list[str], list[str]]) -> str:
    """A new domain most of the time, as spam registers them by the hundred."""
    first, second = words
    host = f"{rng.choice(first)}{rng.choice(['', '-'])}{rng.choice(second)}{rng.choice(['', str(rng.randint(1, 99))])}"
    path = rng.choice(["", "/", "/buy", "/apply", "/guide", "/?ref=blog", f"/p/{rng.randint(100, 999)}"])
    return f"{rng.choice(['https://', 'http://', 'https://www.'])}{host}.{rng.choice(TLDS)}{path}"


def _pharmacy(rng: random.Random) -> str:
    return rng.choice(
        [
            "Buy {drug} online without prescription, discreet shipping worldwide: {shop}",
            "Cheap {drug}, lowest prices guaranteed, order now {shop}",
            "Need {drug}? No doctor needed. {shop} FAST DELIVERY",
            "Order {drug} 100mg for $0.99 per pill at {shop} - best online pharmacy 2025",
            "Stop suffering, get {drug} delivered tomorrow. Visit {shop} and use code SAVE20",
            "buy {drug} online {shop} buy {drug} online {shop}",
            "Generic {drug} 50 mg, 90 pills, no prescription required, PayPal accepted: {shop}",
        ]
    )


def _obfuscated(rng: random.Random) -> str:
    word = rng.choice(OBFUSCATED)
    return rng.choice(
        [
            f"Best {word} prices 0nline, n0 prescripti0n, {{shop}}",
            f"{word} 100 mg cheap!!! order t0day {{shop}}",
            f"get {word} here -> {{shop}} <- discreet",
            f"Looking for {word}? Overnight delivery, lowest price: {{shop}}",
            f"{word.upper()} {word.upper()} {word.upper()} {{shop}}",
        ]
    )


def _loan(rng: random.Random) -> str:
    return rng.choice(
        [
            "Need money fast? Get a loan approved in {n} minutes, bad credit OK: {lender}",
            "Payday loans up to ${big} with no credit check. Apply today at {lender}",
            "Are you in debt because of medical bills? We can help, instant cash {lender}",
            "Low interest personal loans for treatment costs, apply in 5 minutes {lender}",
            "Can't afford {treatment}? Finance it with a same-day loan, approval guaranteed: {lender}",
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
        ]
    )


def _seo_friendly(rng: random.Random) -> str:
    """An SEO link behind a sentence a reader could have written: the hard kind."""
    return rng.choice(
        [
            "Ketamine therapy has helped many people with treatment-resistant {symptom}. Our guide explains"
            " dosing, costs and what to expect during {treatment}: {seo}",
            "I had {treatment} last year and it changed my life. I wrote down everything I learned at {seo}",
            "Interesting point about feeling {side}. A recent review summarised here covers it well: {seo}",
            "For readers comparing clinics and prices ({price} seems to be average), this overview helps: {seo}",
            "As a nurse I see many patients ask about {treatment}. We collected the common questions at {seo}",
            "Good to see an honest article. Anyone looking for a provider near them can search {seo}",
        ]
    )


def _outreach(rng: random.Random) -> str:
    """Late in the year: guest-post and link-exchange offers, worded like mail to the editor."""
    return rng.choice(
        [
            "Hi team, I run a mental health blog with 40k monthly readers. Would you accept a guest post"
            " on {treatment}? Happy to include a link back. {seo}",
            "Dear editor, we would love to collaborate on a sponsored article about {symptom}. Reply for rates.",
            "Hello, are you open to a link exchange? Our domain authority is 54 and the niche fits. {seo}",
            "Quick question for the admin: do you sell do-follow links on this page? Budget is flexible.",
        ]
    )


def _crypto(rng: random.Random) -> str:
    return rng.choice(
        [
            "I made ${big} in one week with bitcoin trading signals, join now {coin}",
            "Send 0.1 BTC and receive 0.2 BTC back, limited giveaway {coin}",
            "Depression because of money? Invest with our forex robot and earn passive income {coin}",
            "Crypto investment platform with {n}% daily profit, withdraw anytime {coin}",
            "My therapist told me to reduce stress, so I let this AI bot trade for me. Up {n}0% {coin}",
        ]
    )


def _review(rng: random.Random) -> str:
    """Fake praise of the clinic or of a miracle healer, often with a number to call."""
    return rng.choice(
        [
            "BEST CLINIC EVER, 5 STARS, they cured my {symptom} completely, call {phone} now",
            "I was healed by a spell caster after years of {symptom}, contact Dr. Williams on WhatsApp {phone}",
            "Amazing results, 100% recommended, Dr. Ade cured my anxiety and PTSD, 100% guaranteed cure",
            "I had my first infusion at this clinic last month and the staff were amazing!!! Highly recommend,"
            " 10/10, book today at {seo}",
            "5 stars! Best ketamine clinic in the city, no waiting list, affordable prices. Visit {seo}",
            "Dr. Okoro cured my {symptom} with herbal medicine in one week, his number is {phone}",
        ]
    )


def _praise(rng: random.Random) -> str:
    """One line a reader could write: the website field is the only tell."""
    return _short(rng, ["Great post!", "Nice article, thanks for sharing.", "Very informative.", "Thanks, bookmarked!"])


def _foreign(rng: random.Random) -> str:
    return rng.choice(
        [
            "Günstige Kredite ohne Schufa, Auszahlung in 24 Stunden: {lender}",
            "{drug} rezeptfrei kaufen, diskreter Versand: {shop}",
            "Toller Artikel! Mehr Tipps gegen Depression finden Sie auf {seo}",
            "Compra {drug} sin receta, envío rápido y discreto {shop}",
            "Préstamos rápidos sin aval, dinero hoy mismo {lender}",
            "Gana dinero desde casa con bitcoin, únete ya {coin}",
            "Excelente artículo, en nuestra clínica ofrecemos ketamina a mejor precio: {seo}",
        ]
    )


def _bare(rng: random.Random) -> str:
    kinds = [SHOP_WORDS, LOAN_WORDS, SEO_WORDS, COIN_WORDS]
    return " ".join(_domain(rng, rng.choice(kinds)) for _ in range(rng.randint(1, 4)))


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
    "Ketamine Clinic Near Me",
    "Emily",
]
# Each campaign, and the share of the year (0 to 1) in which it runs.
CAMPAIGNS: dict[str, tuple[Pick, float, float]] = {
    "pharmacy": (_pharmacy, 0.0, 1.0),
    "obfuscated pharmacy": (_obfuscated, 0.55, 1.0),
    "loans": (_loan, 0.0, 0.8),
    "seo": (_seo, 0.0, 1.0),
    "friendly seo": (_seo_friendly, 0.2, 1.0),
    "outreach": (_outreach, 0.65, 1.0),
    "crypto": (_crypto, 0.1, 1.0),
    "fake review": (_review, 0.0, 1.0),
    "praise with website": (_praise, 0.0, 1.0),
    "german or spanish": (_foreign, 0.0, 1.0),
    "bare link": (_bare, 0.0, 1.0),
}


def spam(rng: random.Random, when: float) -> tuple[str, str, str, str]:
    kind = rng.choice([kind for kind, (_, start, end) in CAMPAIGNS.items() if start <= when < end])
    body = _fill(rng, CAMPAIGNS[kind][0](rng))
    if rng.random() < 0.15:
        body = body.upper()
    kinds = [SHOP_WORDS, LOAN_WORDS, SEO_WORDS, COIN_WORDS]
    website = _domain(rng, rng.choice(kinds)) if kind == "praise with website" or rng.random() < 0.5 else ""
    name = rng.choice(SPAM_NAMES) if rng.random() < 0.6 else _person(rng)
    return name, website, body, kind


def corpus(size: int = 1600, spam_share: float = 0.4, seed: int = 18) -> list[Item]:
    """`size` different comments over a year, oldest first: no text twice, so that no test
    comment is one the model was taught."""
    rng = random.Random(seed)
    items: list[Item] = []
    seen: set[str] = set()
    while len(items) < size:
        when = rng.random()
        if rng.random() < spam_share:
            name, website, body, kind = spam(rng, when)
        else:
            name, website, body, kind = good(rng)
        if body.casefold() not in seen:
            seen.add(body.casefold())
            items.append(Item(START + when * YEAR, name, website, body, kind in CAMPAIGNS, kind))
    return sorted(items, key=lambda item: item.at)
