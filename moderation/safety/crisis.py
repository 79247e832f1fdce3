"""A reader in crisis: a comment that speaks, in the first person and now, of suicide, self-harm,
an overdose or a medical emergency. Pure: text in, the categories found out.

Every shipped language's lexicon applies whatever the page's language, since readers write in
their own. The phrases are first-person and present ("I want to die", "I took all my pills"),
because a clinic's blog is full of the same words in clinical and third-person talk ("ketamine
is studied for suicidal ideation", "the overdose risk of opioids"), and a phrase just after a
negation ("I would never kill myself") is not one. Phrases are written as moderation/safety/phrases.py
describes: "~" is up to three words, and the words are normalised like the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .phrases import PhraseSearch, normalise


class Crisis(StrEnum):
    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    OVERDOSE = "overdose"
    EMERGENCY = "emergency"


@dataclass(frozen=True)
class Lexicon:
    denials: str  # words that deny the phrase right after them
    phrases: dict[Crisis, tuple[str, ...]]


END = "(?= [.,] | $)"  # the clause ends here: "I can't go on." but not "I can't go on holiday"
PILLS = (
    "(pills|tablets|meds|medication|medications|medicine|antidepressants|painkillers|paracetamol|tylenol|"
    "ibuprofen|benzos|xanax|opioids|sleeping pills|sleeping tablets|prescription|bottle of)"
)
# As many as an overdose takes; a number is a count of pills, not a dose ("20 mg").
MANY = (
    "(all|all of|every|a whole|the whole|an entire|too many|way too many|a bunch of|a handful of|"
    "[1-9][0-9]+(?! (mg|ml|mcg|g|milligrams?|micrograms?) ))"
)

ENGLISH = Lexicon(
    denials="not|never|dont|do not|didnt|wont|wouldnt|would never|no longer|no",
    phrases={
        Crisis.SUICIDE: (
            "kms",
            "kys",
            "sewerslide",
            "unalive( myself)?",
            "unaliving( myself)?",
            "(kill|killing|end|ending) (myself|my self|my life|it all|yourself)",
            "(take|taking) my (own )?life",
            "(going to|gonna|want to|wanna|ready to|will) end it(?= (tonight|today|now|soon|this)| [.,] | $)",
            "(commit|committing) suicide",
            "(i|im|ive been|i keep|i still|i often|i always|i cant stop) (think|thinking) (about|of) "
            "(suicide|dying|ending it|ending my life|killing myself)",
            "(im|i am|i feel|feeling|ive been|been|getting|so|very|really|actively) suicidal",
            "(i (have|get|keep having|keep getting|still have|started having)|(im|i am|ive been|i have been|been) "
            "(having|getting)|ive got) ~ (suicidal|suicide) (thoughts|feelings|urges)",
            "(want|wanna|wanting|going) to die",
            "wish (i was|i were|to be) dead",
            "better off (dead|without me|if i was gone|if i were gone|if i wasnt here)",
            "(nobody|no one|noone) would (miss|notice) me",
            "(no|any) (reason|point|will) (to|in) (live|living|go on|going on)",
            "no will to live",
            "(dont|cant|do not|cannot) (see|find|have) (a|any) (reason|point) (to|in) (live|living|go on|going on)",
            "nothing (left )?to live for",
            "tired of (living|being alive|life)",
            "(dont|do not|dont really) want to (live|be alive|exist|be here)( anymore| any more)?",
            "(dont|do not|never) want to wake up",
            "(wish|wishing|hope|hoping) i (would |could |will |wouldnt )?(just )?(not|never|dont)? ?wake up",
            "(cant|can not|cannot) (go on|take it|do this|keep going)"
            "(?= (anymore|any more|like this|much longer)| [.,] | $)",
            "(wrote|written|writing|write) my (goodbye|suicide) (letters?|notes?)",
            "suicide (note|letter)",
            "goodbye (everyone|all|world|cruel world)",
            "my last (comment|message|post)",
            "tonight is the night",
            "(have|got|bought) (the|a) (rope|noose)",
            "(have|made|got) a plan to (die|end it|kill myself)",
            "(im|i am) (so )?done" + END,
        ),
        Crisis.SELF_HARM: (
            "(cut|cutting|cuts|burn|burning|burned|burnt|hurt|hurting|harm|harming|scratch|scratching|punish|punishing)"
            " myself(?! (shaving|cooking|chopping|by accident|accidentally|at the gym))",
            "(im|i am|ive been|been|started|start|keep|keep wanting to|wanting to|want to|wanna|going to|urge to|"
            "urges to|relapsed|relapsing|i) (on |into |to )?(self harm|selfharm)(ing)?",
            "relapsed (on|into) (self harm|selfharm|cutting)",
            "(slit|slitting|cut|cutting) my (wrists?|arms?|legs?|thighs?)",
            "(covered|full) (in|of) cuts",
            "cuts (on|all over) my (arms?|legs?|wrists?|thighs?)",
            "until i bleed",
        ),
        Crisis.OVERDOSE: (
            f"(took|take|taking|taken|swallowed|swallowing|swallow|downed|going to take|gonna take) {MANY} ~ {PILLS}",
            f"(took|swallowed|downed|taken) (a|my|the) (whole|entire) {PILLS}",
            "(i|ive|i have|just|i think i|i might have|im) (overdosed|oded|odd|overdosing)",
            "(going to|gonna|want to|wanna|will|plan to|planning to|about to|trying to) (overdose|od)",
            "(took|taken|take) an overdose",
            f"(saved|saving|stockpiled|stockpiling|hoarding|collected|collecting) (up )?(all )?(my )?{PILLS}",
            "(take|swallow) them all",
            "overdosed on (purpose|my)",
        ),
        Crisis.EMERGENCY: (
            "(cant|can not|cannot) breathe(?! through my nose)",
            "(having|have|got|severe|bad|crushing|sudden) (chest pain|chest pains|pain in my chest)",
            "chest (pain|pains|is so tight|feels tight|is tight) ~ (right now|now|cant breathe)",
            "(im|i am|i think im|think im|is) having a (heart attack|stroke|seizure)",
            "(call|calling|get|need) (an|the) ambulance",
            "(someone|somebody|please|pls|plz|im|i am|just) (call|calling|called) (911|112|999)",
            "(isnt|is not|not|wont stop|stopped) (responding|breathing)",
            "(wont|will not|doesnt|cant) wake (him|her|them)? ?up",
            "collapsed",
            "(bleeding|blood) ~ (wont stop|will not stop|cant stop|a lot|heavily|so much)",
            "(lips|face|fingers) (are|is) (turning )?blue",
            "someone help",
            "(arm|face|side) (is|feels|going) numb",
        ),
    },
)

GERMAN = Lexicon(
    denials="nicht|nie|niemals|kein|keine|keinesfalls",
    phrases={
        Crisis.SUICIDE: (
            "(nicht mehr|nicht langer) (leben|da sein|aufwachen|weiterleben)",
            "(will|mochte) ~ (sterben|tot sein)",
            "(lieber|ware ich|bin am liebsten|am liebsten) tot",
            "mich ~ (umbringen|umzubringen|toten|zu toten|erhangen)",
            "(bring|bringe) mich (heute |jetzt |bald )?um" + END,
            "(mir|mein) ~ (das )?leben (zu )?(nehmen|beenden)",
            "(meinem|mein) leben ein ende (setzen|machen|bereiten)",
            "(ich habe|ich hab|habe ich|hab ich) ~ (suizidgedanken|selbstmordgedanken|todesgedanken)",
            "ich denke ~ an (suizid|selbstmord|den tod)",
            "(ich bin|bin) (so |sehr |akut |wieder )?(suizidal|lebensmude)",
            "keine (lust|kraft) mehr (zu leben|auf das leben|auf mein leben)",
            "(ohne mich|wenn ich (nicht mehr )?(da|weg) ware) (besser|leichter)",
            "(besser|leichter) (fur alle|ohne mich)",
            "ich kann nicht mehr(?= und| [.,] | $)",
            "abschiedsbrief",
        ),
        Crisis.SELF_HARM: (
            "(ritze|ritz) mich",
            "ich (ritze|ritz)" + END,
            "mich ~ (geritzt|ritzen|selbst verletzt|selbst verletzen)",
            "(verletze|verletz) mich",
            "(will|mochte|muss) mich (selbst )?(schneiden|verletzen|ritzen)",
            "schneide mich",
        ),
        Crisis.OVERDOSE: (
            "(alle|die ganze|eine ganze|zu viele|viel zu viele|eine handvoll) ~ "
            "(tabletten|pillen|medikamente|schlaftabletten|packung|packungen)",
            "(uberdosis|uberdosierung) ~ (genommen|geschluckt|nehmen|schlucken)",
        ),
        Crisis.EMERGENCY: (
            "(bekomme|kriege|krieg|bekomm|kriegt|bekommt) (keine|kaum) luft",
            "(starke|heftige|habe|hab) (brustschmerzen|schmerzen in der brust)",
            "(ich habe|ich hab|habe ich|hab ich) ~ (herzinfarkt|schlaganfall|krampfanfall)",
            "(ruft|ruf|rufen sie|bitte) ~ (notarzt|krankenwagen|rettungswagen|112)",
            "(zusammengebrochen|bewusstlos|atmet nicht|reagiert nicht)",
        ),
    },
)

SPANISH = Lexicon(
    denials="no|nunca|jamas|ni",
    phrases={
        Crisis.SUICIDE: (
            "suicidarme",
            "me (voy a|quiero) (suicidar|matar|morir)",
            "(quitarme|quitar) la vida",
            "me (quiero |voy a )?quitar la vida",
            "(no quiero|ya no quiero) (vivir|seguir viviendo|seguir|despertar|estar aqui)",
            "quiero (morir|morirme|matarme)",
            "matarme",
            "ganas de (morir|morirme|matarme)",
            "(acabar|terminar) con (todo|mi vida)",
            "(tengo|estoy teniendo) ~ pensamientos suicidas",
            "pensando en (suicidarme|quitarme la vida|matarme|el suicidio|morirme)",
            "(ojala|quisiera) (estuviera|estar) (muerto|muerta)",
            "mejor(es)? sin mi",
            "carta de despedida",
        ),
        Crisis.SELF_HARM: (
            "cortarme(?! (el|la|las|los) (pelo|cabello|unas|barba|flequillo))",
            "me corto(?! (el|la|las|los) (pelo|cabello|unas|barba|flequillo))",
            "(vuelto|volver) a (cortar|cortarme|hacerme dano|hacer dano)",
            "(hacerme|me hago) dano",
            "hacer dano a mi (mismo|misma)",
            "(me autolesiono|autolesionarme|me estoy autolesionando)",
        ),
        Crisis.OVERDOSE: (
            "(todas|demasiadas|un monton de|muchas) ~ (pastillas|pildoras|medicamentos|medicinas|comprimidos|tabletas)",
            "(frasco|caja|bote) (entero|entera)",
            "todo el (frasco|bote)",
            "toda la caja",
            "(tome|tomado|tomar|tomo|tomare) (una )?sobredosis",
        ),
        Crisis.EMERGENCY: (
            "no puedo respirar",
            "me duele ~ el pecho",
            "(tengo|siento) ~ dolor (en el|de) pecho",
            "(estoy teniendo|tengo|esta teniendo) un (infarto|ictus|derrame)",
            "(llamen|llama|llamad|llame) ~ (ambulancia|112|911|urgencias)",
            "(se desmayo|esta inconsciente|no responde|no respira|convulsionando|esta convulsionando)",
        ),
    },
)

LEXICONS = {"en": ENGLISH, "de": GERMAN, "es": SPANISH}


# Every language's phrases, a list per category. One list of denials for all: each language's
# words are rare in the others, and one guard is cheaper.
SIGNS = PhraseSearch(
    {
        crisis.value: [phrase for lexicon in LEXICONS.values() for phrase in lexicon.phrases[crisis]]
        for crisis in Crisis
    },
    denials="|".join(lexicon.denials for lexicon in LEXICONS.values()),
)


def crisis_signs(text: str) -> tuple[Crisis, ...]:
    """The categories of crisis `text` speaks of, in Crisis's order; empty for an ordinary comment."""
    found = {match.lastgroup for match in SIGNS.matches(normalise(text).text)}
    return tuple(crisis for crisis in Crisis if crisis.value in found)
