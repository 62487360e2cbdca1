"""What is never an identifier by default: languages, nationalities, religions,
holidays, greetings, national services, qualifications, and the chatbots and apps
a study is about.

These words carry meaning the analysis depends on ("English" for a "Language and
idiom" code, "Muslim", "Replika") and identify nobody. They are on by default and
each project can change the list (see :mod:`qualcode.store.deid_settings`): add
words, or take a default off. A word the researcher puts on the known-names list
is removed whatever this list says ("unless the researcher says so").

Words that are also common first names ("Christian", "Kiran") are left off, since
a missed name is worse than a removed word.
"""

from __future__ import annotations

from collections.abc import Iterable

from .lexicon import fold
from .names import KnownName, KnownNames

__all__ = ["DEFAULT_NEVER", "CATEGORIES", "never_terms", "never_known"]

CATEGORIES: dict[str, tuple[str, ...]] = {
    "languages": tuple(
        """English Polish French German Spanish Portuguese Italian Dutch Russian Ukrainian Czech Slovak Hungarian
        Romanian Bulgarian Serbian Croatian Bosnian Greek Turkish Arabic Hebrew Persian Farsi Dari Pashto Kurdish
        Urdu Hindi Bengali Bangla Punjabi Gujarati Marathi Tamil Telugu Kannada Malayalam Sinhala Nepali Mandarin
        Cantonese Chinese Japanese Korean Vietnamese Thai Khmer Lao Burmese Malay Indonesian Tagalog Filipino
        Taglish Cebuano Swahili Kiswahili Sheng Amharic Tigrinya Somali Oromo Yoruba Igbo Hausa Pidgin Twi Akan Ewe
        Zulu Xhosa Afrikaans Sesotho Setswana Shona Lingala Wolof Creole Patois Māori Samoan Tongan Welsh Gaelic
        Irish Scots Latin Esperanto Hinglish Singlish Spanglish""".split()
    ),
    "nationalities": tuple(
        """American Americans British Brits Scottish Scot Scots Welsh Irish Canadian Canadians Australian Australians
        Kiwi Kiwis Mexican Mexicans Brazilian Brazilians Argentinian Argentine Colombian Colombians Chilean Peruvian
        Venezuelan Cuban Jamaican Jamaicans Trinidadian Haitian Nigerian Nigerians Ghanaian Ghanaians Kenyan Kenyans
        Ugandan Tanzanian Ethiopian Ethiopians Eritrean Somali Somalis Sudanese Egyptian Egyptians Moroccan Moroccans
        Algerian Tunisian Libyan Syrian Syrians Lebanese Jordanian Iraqi Iraqis Iranian Iranians Afghan Afghans
        Saudi Saudis Emirati Yemeni Palestinian Palestinians Israeli Israelis Turkish Turks Kurd Kurds Pakistani
        Pakistanis Indian Indians Bangladeshi Bangladeshis Sri Lankan Nepali Nepalese Chinese Japanese Korean
        Koreans Vietnamese Thai Filipino Filipinos Filipina Filipinas Indonesian Indonesians Malaysian Malaysians
        Singaporean Singaporeans South African South Africans Zimbabwean Zimbabweans Zambian Congolese Cameroonian
        Senegalese Rwandan Polish Poles Ukrainian Ukrainians Russian Russians Romanian Romanians Bulgarian Czech
        Slovak Hungarian Hungarians Serbian Serbs Croatian Croats Bosnian Albanian Albanians Greek Greeks German
        Germans French Italian Italians Spanish Spaniard Spaniards Portuguese Dutch Belgian Swiss Swedish Swede
        Norwegian Danish Finnish European Europeans African Africans Asian Asians Latino Latina Latinos Latinas
        Latinx Hispanic Arab Arabs Caribbean Māori Pakeha Pākehā Aboriginal""".split()
    ),
    "religions": tuple(
        """Muslim Muslims Islam Islamic Christians Christianity Catholic Catholics Catholicism Protestant
        Protestants Orthodox Anglican Anglicans Methodist Methodists Baptist Baptists Pentecostal Pentecostals
        Evangelical Evangelicals Mormon Mormons Jew Jews Jewish Judaism Hindu Hindus Hinduism Sikh Sikhs Sikhism
        Buddhist Buddhists Buddhism Jain Jains Bahá'í Baha'i Shia Shiite Sunni Sufi Atheist Agnostic God Allah
        Buddha Quran Qur'an Koran Bible Torah Ramadan Eid Diwali Christmas Easter Passover Hanukkah
        Lent Vaisakhi Navratri Holi Coptic Copts Adventist Adventists Presbyterian Presbyterians Lutheran
        Lutherans Quaker Quakers Zoroastrian Shinto Taoist Rastafarian Druze Ismaili Ahmadi Ahmadiyya Yazidi
        Bahai""".split()
    ),
    # Festivals and holidays: when, not who ("after Carnival", "on Valentine's Day").
    "holidays": tuple(
        """Carnival Carnaval Thanksgiving Halloween Hogmanay Kwanzaa Nowruz Tết Chuseok Obon Pongal Onam Juneteenth
        Valentine's_Day Valentines_Day Mother's_Day Father's_Day New_Year New_Year's Lunar_New_Year
        Chinese_New_Year Hari_Raya Durga_Puja Eid_al-Fitr Eid_al-Adha Día_de_los_Muertos St_Patrick's_Day
        Independence_Day Boxing_Day""".split()
    ),
    # Greetings in the languages interviews are given in; the entity recogniser
    # takes many for names ("Kia ora", "Habari", "Sawubona").
    "greetings": tuple(
        """Habari Jambo Sawubona Molo Dumela Sannu Namaste Namaskar Vanakkam Salaam Assalamu_alaikum
        As-salamu_alaykum Marhaba Merhaba Ahlan Mabuhay Kumusta Kamusta Konnichiwa Annyeong
        Annyeonghaseyo Xin_chào Kia_ora Kia_orana Talofa Aloha Hola Bonjour Ciao Privet Cześć
        Dzień_dobry Ni_hao Sat_Sri_Akal Wetin_dey""".split()
    ),
    # National public services and programmes and their everyday words, which
    # serve millions and identify nobody (the annotation conventions).
    "services": tuple(
        """NHS HSE IAPT CAMHS NYSC GP GPs A&E NHIS PhilHealth Medicare Medicaid Medi-Cal SASSA NDIS Centrelink
        DWP OFW OFWs Pag-IBIG SSS GSIS Obamacare Universal_Credit Social_Security""".split()
    ),
    # Degrees and school-leaving exams: what someone studied, not where.
    "qualifications": tuple(
        """PhD DPhil MPhil MSc BSc MBA MBBS LLB LLM BCom BTech MTech BEd GCSE GCSEs A-levels WAEC JAMB KCSE
        Matric""".split()
    ),
    "chatbots and apps": tuple(
        """ChatGPT GPT OpenAI Claude Gemini Bard Copilot Replika Woebot Wysa Youper Pi Character.ai Snapchat
        Tess Elomia Earkick Xiaoice Alexa Siri Cortana Headspace Calm Talkspace BetterHelp Instagram WhatsApp
        TikTok Facebook Reddit Discord Telegram YouTube Google Zoom Teams""".split()
    ),
}
# Two-word entries written above as single words are joined back here.
_PAIRS = {("Sri", "Lankan"), ("South", "African"), ("South", "Africans")}


def _terms(words: tuple[str, ...]) -> list[str]:
    # "Kia_ora" in the lists above is the phrase "Kia ora".
    words = tuple(w.replace("_", " ") for w in words)
    out: list[str] = []
    skip = False
    for a, b in zip(words, words[1:] + ("",)):
        if skip:
            skip = False
            continue
        if (a, b) in _PAIRS:
            out.append(f"{a} {b}")
            skip = True
        else:
            out.append(a)
    return out


def _unique(terms: Iterable[str]) -> tuple[str, ...]:
    out: dict[str, str] = {}
    for t in terms:
        out.setdefault(fold(t), t)
    return tuple(out.values())


DEFAULT_NEVER: tuple[str, ...] = _unique(t for words in CATEGORIES.values() for t in _terms(words))


def never_terms(add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
    """The list in force: the defaults without ``remove``, plus ``add`` (compared
    without case and accents)."""
    gone = {fold(" ".join(t.split())) for t in remove}
    out: dict[str, str] = {}
    for t in list(DEFAULT_NEVER) + [" ".join(t.split()) for t in add]:
        key = fold(t)
        if t and key not in gone and key not in out:
            out[key] = t
    return list(out.values())


def never_known(terms: Iterable[str]) -> KnownNames:
    """The list as known-names "keep" entries (which every recogniser respects)."""
    return KnownNames([KnownName(t, None, "keep") for t in terms if t.strip()])
