"""Phrases the demo generator builds customer comments from, in six languages.

A comment is an opener, one or two theme phrases and a closer, each chosen for the
comment's sentiment, so the words customers use follow their scores as in real
feedback. Themes are the ones CX teams meet most: delivery, price, quality,
support, app/website, returns and billing.
"""

from __future__ import annotations

SENTIMENTS = ("negative", "neutral", "positive")
THEMES = ("delivery", "price", "quality", "support", "app", "returns", "billing")

Phrases = dict[str, dict[str, tuple[str, ...]]]

THEME_PHRASES: dict[str, Phrases] = {
    "en": {
        "delivery": {
            "negative": (
                "the delivery was a week late",
                "my parcel arrived damaged",
                "nobody told me the courier would be late again",
            ),
            "neutral": (
                "delivery took about the time promised",
                "the parcel came on the third day",
                "delivery was okay, nothing special",
            ),
            "positive": (
                "delivery was incredibly fast",
                "the parcel arrived the next morning",
                "the courier was friendly and on time",
            ),
        },
        "price": {
            "negative": (
                "the prices are far too high",
                "I found the same thing much cheaper elsewhere",
                "shipping costs more than the product",
            ),
            "neutral": (
                "prices are about average",
                "the price is fair but not cheap",
                "the discount could be bigger",
            ),
            "positive": (
                "great value for money",
                "the prices are really good",
                "the discount made my day",
            ),
        },
        "quality": {
            "negative": (
                "the product broke after two days",
                "the quality is poor",
                "the material feels cheap",
            ),
            "neutral": (
                "the quality is as expected",
                "the product does its job",
                "quality is decent for the price",
            ),
            "positive": (
                "the quality is excellent",
                "the product works perfectly",
                "it feels solid and well made",
            ),
        },
        "support": {
            "negative": (
                "customer service never answered my emails",
                "I waited on the phone for forty minutes",
                "support kept sending me from one person to another",
            ),
            "neutral": (
                "support answered eventually",
                "the agent was polite but could not help much",
                "it took two calls to sort it out",
            ),
            "positive": (
                "the support team solved my problem in minutes",
                "the agent was very helpful",
                "customer service was kind and quick",
            ),
        },
        "app": {
            "negative": (
                "the app keeps crashing at checkout",
                "the website is confusing",
                "I could not log in to my account",
            ),
            "neutral": (
                "the app works but is a bit slow",
                "the website is fine",
                "finding products takes a while",
            ),
            "positive": (
                "the app is easy to use",
                "ordering on the website is smooth",
                "checkout took less than a minute",
            ),
        },
        "returns": {
            "negative": (
                "the return took over a month",
                "I am still waiting for my refund",
                "returning the item was a nightmare",
            ),
            "neutral": (
                "the return process was okay",
                "the refund came after two weeks",
                "returns work but take some time",
            ),
            "positive": (
                "returning was simple and free",
                "my refund arrived within days",
                "the exchange was hassle-free",
            ),
        },
        "billing": {
            "negative": (
                "I was charged twice",
                "the invoice was wrong",
                "there were hidden fees on my bill",
            ),
            "neutral": (
                "the invoice was clear enough",
                "payment worked as usual",
                "billing is fine",
            ),
            "positive": (
                "paying was quick and clear",
                "the invoice was easy to understand",
                "billing has never been a problem",
            ),
        },
    },
    "et": {
        "delivery": {
            "negative": (
                "tarne hilines terve nädala",
                "pakk jõudis kohale katkisena",
                "keegi ei teatanud, et kuller jälle hilineb",
            ),
            "neutral": (
                "tarne võttis lubatud aja",
                "pakk tuli kolmandal päeval",
                "kohaletoimetamine oli okei, midagi erilist",
            ),
            "positive": (
                "tarne oli uskumatult kiire",
                "pakk jõudis juba järgmisel hommikul",
                "kuller oli sõbralik ja täpne",
            ),
        },
        "price": {
            "negative": (
                "hinnad on liiga kõrged",
                "leidsin sama toote mujalt palju odavamalt",
                "saatmine maksab rohkem kui toode ise",
            ),
            "neutral": (
                "hinnad on keskmised",
                "hind on õiglane, aga mitte odav",
                "allahindlus võiks suurem olla",
            ),
            "positive": (
                "suurepärane hinna ja kvaliteedi suhe",
                "hinnad on väga head",
                "allahindlus tegi mu päeva rõõmsaks",
            ),
        },
        "quality": {
            "negative": (
                "toode läks kahe päevaga katki",
                "kvaliteet on kehv",
                "materjal tundub odav",
            ),
            "neutral": (
                "kvaliteet on ootuspärane",
                "toode teeb oma töö ära",
                "kvaliteet on hinna kohta korralik",
            ),
            "positive": (
                "kvaliteet on suurepärane",
                "toode töötab laitmatult",
                "toode on tugev ja hästi tehtud",
            ),
        },
        "support": {
            "negative": (
                "klienditugi ei vastanud kunagi mu kirjadele",
                "ootasin telefonil nelikümmend minutit",
                "klienditeenindus saatis mind ühelt inimeselt teisele",
            ),
            "neutral": (
                "klienditugi vastas lõpuks",
                "teenindaja oli viisakas, aga ei saanud eriti aidata",
                "asja lahendamiseks kulus kaks kõnet",
            ),
            "positive": (
                "klienditugi lahendas mu mure mõne minutiga",
                "teenindaja oli väga abivalmis",
                "klienditeenindus oli lahke ja kiire",
            ),
        },
        "app": {
            "negative": (
                "äpp jookseb maksmisel kokku",
                "veebileht on segane",
                "ma ei saanud oma kontole sisse logida",
            ),
            "neutral": (
                "äpp töötab, aga on natuke aeglane",
                "veebileht on okei",
                "toodete leidmine võtab aega",
            ),
            "positive": (
                "äppi on lihtne kasutada",
                "veebis tellimine on sujuv",
                "maksmine võttis alla minuti",
            ),
        },
        "returns": {
            "negative": (
                "tagastamine võttis üle kuu",
                "ootan siiani raha tagasi",
                "toote tagastamine oli õudusunenägu",
            ),
            "neutral": (
                "tagastamine oli okei",
                "raha tuli tagasi kahe nädalaga",
                "tagastus toimib, aga võtab aega",
            ),
            "positive": (
                "tagastamine oli lihtne ja tasuta",
                "raha tuli tagasi paari päevaga",
                "toote vahetus läks probleemideta",
            ),
        },
        "billing": {
            "negative": (
                "minult võeti raha kaks korda",
                "arve oli vale",
                "arvel olid varjatud tasud",
            ),
            "neutral": (
                "arve oli piisavalt selge",
                "maksmine toimis nagu ikka",
                "arveldusega on kõik korras",
            ),
            "positive": (
                "maksmine oli kiire ja selge",
                "arvest oli lihtne aru saada",
                "arveldusega pole kunagi probleeme olnud",
            ),
        },
    },
    "bg": {
        "delivery": {
            "negative": (
                "доставката закъсня цяла седмица",
                "пратката пристигна повредена",
                "никой не ме предупреди, че куриерът пак ще закъснее",
            ),
            "neutral": (
                "доставката отне обещаното време",
                "пратката дойде на третия ден",
                "доставката беше нормална, нищо особено",
            ),
            "positive": (
                "доставката беше невероятно бърза",
                "пратката пристигна още на следващата сутрин",
                "куриерът беше любезен и точен",
            ),
        },
        "price": {
            "negative": (
                "цените са прекалено високи",
                "намерих същото много по-евтино другаде",
                "доставката струва повече от самия продукт",
            ),
            "neutral": (
                "цените са средни",
                "цената е честна, но не е ниска",
                "отстъпката можеше да е по-голяма",
            ),
            "positive": (
                "отлично съотношение цена-качество",
                "цените са наистина добри",
                "отстъпката много ме зарадва",
            ),
        },
        "quality": {
            "negative": (
                "продуктът се счупи след два дни",
                "качеството е лошо",
                "материалът изглежда евтин",
            ),
            "neutral": (
                "качеството е каквото очаквах",
                "продуктът си върши работата",
                "качеството е прилично за цената",
            ),
            "positive": (
                "качеството е отлично",
                "продуктът работи безупречно",
                "изглежда здрав и добре изработен",
            ),
        },
        "support": {
            "negative": (
                "обслужването на клиенти така и не отговори на имейлите ми",
                "чаках на телефона четиридесет минути",
                "прехвърляха ме от един служител на друг",
            ),
            "neutral": (
                "поддръжката в крайна сметка отговори",
                "служителят беше учтив, но не можа да помогне много",
                "трябваха ми две обаждания, за да се реши",
            ),
            "positive": (
                "поддръжката реши проблема ми за минути",
                "служителят беше много отзивчив",
                "обслужването беше любезно и бързо",
            ),
        },
        "app": {
            "negative": (
                "приложението постоянно забива при плащане",
                "сайтът е объркан",
                "не можах да вляза в профила си",
            ),
            "neutral": (
                "приложението работи, но е малко бавно",
                "сайтът е наред",
                "търсенето на продукти отнема време",
            ),
            "positive": (
                "приложението е лесно за ползване",
                "поръчването през сайта е гладко",
                "плащането отне по-малко от минута",
            ),
        },
        "returns": {
            "negative": (
                "връщането отне повече от месец",
                "все още чакам да ми върнат парите",
                "връщането на стоката беше истински кошмар",
            ),
            "neutral": (
                "връщането мина нормално",
                "парите ми бяха върнати след две седмици",
                "връщането работи, но отнема време",
            ),
            "positive": (
                "връщането беше лесно и безплатно",
                "парите ми бяха върнати за няколко дни",
                "замяната мина без никакви проблеми",
            ),
        },
        "billing": {
            "negative": (
                "таксуваха ме два пъти",
                "фактурата беше грешна",
                "в сметката имаше скрити такси",
            ),
            "neutral": (
                "фактурата беше достатъчно ясна",
                "плащането мина както обикновено",
                "с фактурирането всичко е наред",
            ),
            "positive": (
                "плащането беше бързо и ясно",
                "фактурата е лесна за разбиране",
                "никога не съм имал проблем със сметките",
            ),
        },
    },
    "de": {
        "delivery": {
            "negative": (
                "die Lieferung kam eine Woche zu spät",
                "mein Paket kam beschädigt an",
                "niemand hat mir gesagt, dass der Kurier wieder Verspätung hat",
            ),
            "neutral": (
                "die Lieferung dauerte etwa so lange wie angekündigt",
                "das Paket kam am dritten Tag",
                "die Lieferung war in Ordnung, nichts Besonderes",
            ),
            "positive": (
                "die Lieferung war unglaublich schnell",
                "das Paket war schon am nächsten Morgen da",
                "der Bote war freundlich und pünktlich",
            ),
        },
        "price": {
            "negative": (
                "die Preise sind viel zu hoch",
                "woanders habe ich dasselbe viel günstiger gefunden",
                "der Versand kostet mehr als das Produkt",
            ),
            "neutral": (
                "die Preise sind durchschnittlich",
                "der Preis ist fair, aber nicht billig",
                "der Rabatt könnte größer sein",
            ),
            "positive": (
                "tolles Preis-Leistungs-Verhältnis",
                "die Preise sind wirklich gut",
                "der Rabatt hat mich sehr gefreut",
            ),
        },
        "quality": {
            "negative": (
                "das Produkt war nach zwei Tagen kaputt",
                "die Qualität ist schlecht",
                "das Material fühlt sich billig an",
            ),
            "neutral": (
                "die Qualität ist wie erwartet",
                "das Produkt erfüllt seinen Zweck",
                "die Qualität ist für den Preis ordentlich",
            ),
            "positive": (
                "die Qualität ist hervorragend",
                "das Produkt funktioniert einwandfrei",
                "es wirkt stabil und gut verarbeitet",
            ),
        },
        "support": {
            "negative": (
                "der Kundenservice hat nie auf meine E-Mails geantwortet",
                "ich hing vierzig Minuten in der Warteschleife",
                "der Support hat mich ständig weiterverbunden",
            ),
            "neutral": (
                "der Support hat irgendwann geantwortet",
                "der Mitarbeiter war höflich, konnte aber kaum helfen",
                "es hat zwei Anrufe gebraucht, bis alles geklärt war",
            ),
            "positive": (
                "der Support hat mein Problem in Minuten gelöst",
                "der Mitarbeiter war sehr hilfsbereit",
                "der Kundenservice war freundlich und schnell",
            ),
        },
        "app": {
            "negative": (
                "die App stürzt beim Bezahlen ständig ab",
                "die Webseite ist unübersichtlich",
                "ich konnte mich nicht in mein Konto einloggen",
            ),
            "neutral": (
                "die App funktioniert, ist aber etwas langsam",
                "die Webseite ist okay",
                "man braucht eine Weile, um Produkte zu finden",
            ),
            "positive": (
                "die App ist leicht zu bedienen",
                "die Bestellung auf der Webseite läuft reibungslos",
                "der Bezahlvorgang dauerte keine Minute",
            ),
        },
        "returns": {
            "negative": (
                "die Rücksendung hat über einen Monat gedauert",
                "ich warte immer noch auf meine Erstattung",
                "die Rückgabe war ein Albtraum",
            ),
            "neutral": (
                "die Rücksendung war in Ordnung",
                "die Erstattung kam nach zwei Wochen",
                "Retouren klappen, dauern aber",
            ),
            "positive": (
                "die Rücksendung war einfach und kostenlos",
                "die Erstattung kam innerhalb weniger Tage",
                "der Umtausch lief völlig problemlos",
            ),
        },
        "billing": {
            "negative": (
                "mir wurde doppelt abgebucht",
                "die Rechnung war falsch",
                "auf der Rechnung waren versteckte Gebühren",
            ),
            "neutral": (
                "die Rechnung war verständlich genug",
                "die Zahlung lief wie immer",
                "mit der Abrechnung ist alles in Ordnung",
            ),
            "positive": (
                "das Bezahlen ging schnell und klar",
                "die Rechnung ist leicht verständlich",
                "mit der Abrechnung gab es nie Probleme",
            ),
        },
    },
    "hr": {
        "delivery": {
            "negative": (
                "dostava je kasnila cijeli tjedan",
                "paket je stigao oštećen",
                "nitko mi nije javio da će dostavljač opet kasniti",
            ),
            "neutral": (
                "dostava je trajala koliko je obećano",
                "paket je stigao treći dan",
                "dostava je bila u redu, ništa posebno",
            ),
            "positive": (
                "dostava je bila nevjerojatno brza",
                "paket je stigao već sljedećeg jutra",
                "dostavljač je bio ljubazan i točan",
            ),
        },
        "price": {
            "negative": (
                "cijene su previsoke",
                "isto sam našao puno jeftinije drugdje",
                "dostava košta više od samog proizvoda",
            ),
            "neutral": (
                "cijene su prosječne",
                "cijena je poštena, ali nije niska",
                "popust bi mogao biti veći",
            ),
            "positive": (
                "odličan omjer cijene i kvalitete",
                "cijene su stvarno dobre",
                "popust me jako razveselio",
            ),
        },
        "quality": {
            "negative": (
                "proizvod se pokvario nakon dva dana",
                "kvaliteta je loša",
                "materijal djeluje jeftino",
            ),
            "neutral": (
                "kvaliteta je onakva kakvu sam očekivao",
                "proizvod obavlja svoj posao",
                "kvaliteta je pristojna za tu cijenu",
            ),
            "positive": (
                "kvaliteta je izvrsna",
                "proizvod radi savršeno",
                "djeluje čvrsto i dobro izrađeno",
            ),
        },
        "support": {
            "negative": (
                "korisnička služba nikad nije odgovorila na moje mailove",
                "čekao sam na telefonu četrdeset minuta",
                "podrška me stalno prebacivala s jedne osobe na drugu",
            ),
            "neutral": (
                "podrška je na kraju odgovorila",
                "djelatnik je bio pristojan, ali nije mogao puno pomoći",
                "trebala su dva poziva da se sve riješi",
            ),
            "positive": (
                "podrška je riješila moj problem u par minuta",
                "djelatnik je bio jako susretljiv",
                "korisnička služba bila je ljubazna i brza",
            ),
        },
        "app": {
            "negative": (
                "aplikacija se stalno ruši pri plaćanju",
                "web stranica je nepregledna",
                "nisam se mogao prijaviti u svoj račun",
            ),
            "neutral": (
                "aplikacija radi, ali je malo spora",
                "web stranica je u redu",
                "treba vremena da se pronađu proizvodi",
            ),
            "positive": (
                "aplikacija je jednostavna za korištenje",
                "naručivanje preko weba ide glatko",
                "plaćanje je trajalo manje od minute",
            ),
        },
        "returns": {
            "negative": (
                "povrat je trajao više od mjesec dana",
                "još uvijek čekam povrat novca",
                "vraćanje proizvoda bila je prava noćna mora",
            ),
            "neutral": (
                "povrat je prošao u redu",
                "novac je vraćen nakon dva tjedna",
                "povrati funkcioniraju, ali traju",
            ),
            "positive": (
                "povrat je bio jednostavan i besplatan",
                "novac mi je vraćen za nekoliko dana",
                "zamjena je prošla bez ikakvih problema",
            ),
        },
        "billing": {
            "negative": (
                "naplatili su mi dvaput",
                "račun je bio pogrešan",
                "na računu su bile skrivene naknade",
            ),
            "neutral": (
                "račun je bio dovoljno jasan",
                "plaćanje je prošlo kao i obično",
                "s naplatom je sve u redu",
            ),
            "positive": (
                "plaćanje je bilo brzo i jasno",
                "račun je lako razumljiv",
                "s naplatom nikad nisam imao problema",
            ),
        },
    },
    "fi": {
        "delivery": {
            "negative": (
                "toimitus myöhästyi viikon",
                "paketti saapui rikkinäisenä",
                "kukaan ei kertonut, että kuriiri myöhästyy taas",
            ),
            "neutral": (
                "toimitus kesti luvatun ajan",
                "paketti tuli kolmantena päivänä",
                "toimitus oli ihan ok, ei mitään erikoista",
            ),
            "positive": (
                "toimitus oli uskomattoman nopea",
                "paketti oli perillä jo seuraavana aamuna",
                "kuriiri oli ystävällinen ja täsmällinen",
            ),
        },
        "price": {
            "negative": (
                "hinnat ovat aivan liian korkeat",
                "löysin saman tuotteen muualta paljon halvemmalla",
                "toimitus maksaa enemmän kuin itse tuote",
            ),
            "neutral": (
                "hinnat ovat keskitasoa",
                "hinta on reilu mutta ei halpa",
                "alennus voisi olla isompi",
            ),
            "positive": (
                "erinomainen hinta-laatusuhde",
                "hinnat ovat todella hyvät",
                "alennus ilahdutti kovasti",
            ),
        },
        "quality": {
            "negative": (
                "tuote hajosi kahdessa päivässä",
                "laatu on huono",
                "materiaali tuntuu halvalta",
            ),
            "neutral": (
                "laatu on odotetunlainen",
                "tuote ajaa asiansa",
                "laatu on hintaansa nähden kohtuullinen",
            ),
            "positive": (
                "laatu on erinomainen",
                "tuote toimii moitteettomasti",
                "tuote tuntuu tukevalta ja hyvin tehdyltä",
            ),
        },
        "support": {
            "negative": (
                "asiakaspalvelu ei koskaan vastannut sähköposteihini",
                "odotin puhelimessa neljäkymmentä minuuttia",
                "asiakaspalvelu pompotteli minua henkilöltä toiselle",
            ),
            "neutral": (
                "asiakaspalvelu vastasi lopulta",
                "palvelija oli kohtelias mutta ei osannut juuri auttaa",
                "asian selvittämiseen tarvittiin kaksi puhelua",
            ),
            "positive": (
                "asiakaspalvelu ratkaisi ongelmani minuuteissa",
                "palvelija oli todella avulias",
                "asiakaspalvelu oli ystävällinen ja nopea",
            ),
        },
        "app": {
            "negative": (
                "sovellus kaatuu jatkuvasti maksaessa",
                "verkkosivu on sekava",
                "en päässyt kirjautumaan tililleni",
            ),
            "neutral": (
                "sovellus toimii mutta on vähän hidas",
                "verkkosivu on ihan ok",
                "tuotteiden löytämiseen menee aikaa",
            ),
            "positive": (
                "sovellusta on helppo käyttää",
                "tilaaminen verkkosivulla sujuu vaivatta",
                "maksaminen kesti alle minuutin",
            ),
        },
        "returns": {
            "negative": (
                "palautus kesti yli kuukauden",
                "odotan yhä rahojani takaisin",
                "tuotteen palauttaminen oli painajainen",
            ),
            "neutral": (
                "palautus sujui ihan ok",
                "rahat palautettiin kahdessa viikossa",
                "palautukset toimivat mutta vievät aikaa",
            ),
            "positive": (
                "palautus oli helppo ja maksuton",
                "sain rahat takaisin muutamassa päivässä",
                "vaihto sujui täysin ongelmitta",
            ),
        },
        "billing": {
            "negative": (
                "minua veloitettiin kahdesti",
                "lasku oli väärin",
                "laskussa oli piilomaksuja",
            ),
            "neutral": (
                "lasku oli riittävän selkeä",
                "maksaminen toimi kuten yleensä",
                "laskutuksessa ei ole ongelmia",
            ),
            "positive": (
                "maksaminen oli nopeaa ja selkeää",
                "laskua on helppo ymmärtää",
                "laskutuksen kanssa ei ole koskaan ollut ongelmia",
            ),
        },
    },
}

#: sentence starts by language and sentiment
OPENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "negative": (
            "Really disappointed:",
            "Not happy at all,",
            "Honestly,",
            "Terrible experience -",
        ),
        "neutral": (
            "Overall okay:",
            "Mixed feelings,",
            "To be fair,",
            "Nothing to complain about much,",
        ),
        "positive": ("Very happy!", "Great experience:", "Thank you,", "Absolutely love it -"),
    },
    "et": {
        "negative": ("Väga pettunud:", "Üldse pole rahul,", "Ausalt öeldes", "Kohutav kogemus -"),
        "neutral": ("Üldiselt okei:", "Segased tunded,", "Õiglane olla,", "Suurt kurta pole,"),
        "positive": ("Väga rahul!", "Suurepärane kogemus:", "Aitäh,", "Täiesti vaimustuses -"),
    },
    "bg": {
        "negative": (
            "Много съм разочарован:",
            "Изобщо не съм доволен,",
            "Честно казано,",
            "Ужасно преживяване -",
        ),
        "neutral": (
            "Като цяло нормално:",
            "Смесени чувства,",
            "Да бъда честен,",
            "Нямам големи оплаквания,",
        ),
        "positive": (
            "Много съм доволен!",
            "Страхотно преживяване:",
            "Благодаря,",
            "Направо съм възхитен -",
        ),
    },
    "de": {
        "negative": (
            "Sehr enttäuscht:",
            "Überhaupt nicht zufrieden,",
            "Ehrlich gesagt,",
            "Furchtbare Erfahrung -",
        ),
        "neutral": (
            "Insgesamt okay:",
            "Gemischte Gefühle,",
            "Um fair zu sein,",
            "Nicht viel zu meckern,",
        ),
        "positive": ("Sehr zufrieden!", "Tolle Erfahrung:", "Vielen Dank,", "Einfach begeistert -"),
    },
    "hr": {
        "negative": (
            "Jako sam razočaran:",
            "Nisam nimalo zadovoljan,",
            "Iskreno,",
            "Užasno iskustvo -",
        ),
        "neutral": (
            "Sve u svemu u redu:",
            "Pomiješani osjećaji,",
            "Da budem pošten,",
            "Nemam se puno za žaliti,",
        ),
        "positive": ("Jako sam zadovoljan!", "Odlično iskustvo:", "Hvala,", "Potpuno oduševljen -"),
    },
    "fi": {
        "negative": (
            "Todella pettynyt:",
            "En ole lainkaan tyytyväinen,",
            "Rehellisesti sanottuna",
            "Kamala kokemus -",
        ),
        "neutral": (
            "Kaiken kaikkiaan ok:",
            "Ristiriitaiset fiilikset,",
            "Reilusti sanottuna",
            "Ei juuri valittamista,",
        ),
        "positive": ("Todella tyytyväinen!", "Loistava kokemus:", "Kiitos,", "Aivan ihastunut -"),
    },
}

#: words joining two theme phrases
JOINERS = {
    "en": {"same": " and ", "contrast": ", but "},
    "et": {"same": " ja ", "contrast": ", aga "},
    "bg": {"same": " и ", "contrast": ", но "},
    "de": {"same": " und ", "contrast": ", aber "},
    "hr": {"same": " i ", "contrast": ", ali "},
    "fi": {"same": " ja ", "contrast": ", mutta "},
}

CLOSERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "negative": ("I will not order again.", "Please fix this.", "Very frustrating.", ""),
        "neutral": ("Could be better.", "Maybe next time.", "", "It is fine."),
        "positive": ("Will definitely order again!", "Highly recommend.", "Keep it up!", ""),
    },
    "et": {
        "negative": (
            "Rohkem ma siit ei telli.",
            "Palun parandage see ära.",
            "Väga frustreeriv.",
            "",
        ),
        "neutral": ("Võiks olla parem.", "Eks näis järgmisel korral.", "", "Käib küll."),
        "positive": ("Tellin kindlasti uuesti!", "Soovitan soojalt.", "Jätkake samas vaimus!", ""),
    },
    "bg": {
        "negative": ("Няма да поръчам отново.", "Моля, оправете това.", "Много е дразнещо.", ""),
        "neutral": ("Може и по-добре.", "Ще видим следващия път.", "", "Става."),
        "positive": (
            "Със сигурност ще поръчам пак!",
            "Горещо препоръчвам.",
            "Продължавайте така!",
            "",
        ),
    },
    "de": {
        "negative": (
            "Ich bestelle hier nicht mehr.",
            "Bitte ändern Sie das.",
            "Sehr ärgerlich.",
            "",
        ),
        "neutral": ("Geht besser.", "Mal sehen beim nächsten Mal.", "", "Passt schon."),
        "positive": ("Ich bestelle auf jeden Fall wieder!", "Klare Empfehlung.", "Weiter so!", ""),
    },
    "hr": {
        "negative": (
            "Više neću naručivati.",
            "Molim vas, popravite to.",
            "Jako frustrirajuće.",
            "",
        ),
        "neutral": ("Moglo bi bolje.", "Vidjet ćemo idući put.", "", "Može proći."),
        "positive": (
            "Sigurno ću opet naručiti!",
            "Toplo preporučujem.",
            "Samo tako nastavite!",
            "",
        ),
    },
    "fi": {
        "negative": ("En tilaa enää.", "Korjatkaa tämä, kiitos.", "Todella turhauttavaa.", ""),
        "neutral": ("Voisi olla parempi.", "Katsotaan ensi kerralla.", "", "Menettelee."),
        "positive": (
            "Tilaan ehdottomasti uudelleen!",
            "Suosittelen lämpimästi.",
            "Jatkakaa samaan malliin!",
            "",
        ),
    },
}

#: whole comments of a word or two
SHORT: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "negative": ("Awful.", "Never again!", "Bad service 😡"),
        "neutral": ("Okay.", "Fine", "So-so 🤷"),
        "positive": ("Super!", "Love it ❤️", "Perfect 👍"),
    },
    "et": {
        "negative": ("Jube.", "Mitte kunagi enam!", "Halb teenindus 😡"),
        "neutral": ("Okei.", "Normaalne", "Nii ja naa 🤷"),
        "positive": ("Super!", "Väga hea ❤️", "Täiuslik 👍"),
    },
    "bg": {
        "negative": ("Ужасно.", "Никога повече!", "Лошо обслужване 😡"),
        "neutral": ("Добре.", "Нормално", "Горе-долу 🤷"),
        "positive": ("Супер!", "Страхотно ❤️", "Перфектно 👍"),
    },
    "de": {
        "negative": ("Furchtbar.", "Nie wieder!", "Schlechter Service 😡"),
        "neutral": ("Okay.", "Geht so", "Mittelmäßig 🤷"),
        "positive": ("Super!", "Klasse ❤️", "Perfekt 👍"),
    },
    "hr": {
        "negative": ("Užas.", "Nikad više!", "Loša usluga 😡"),
        "neutral": ("U redu.", "Može", "Onako 🤷"),
        "positive": ("Super!", "Odlično ❤️", "Savršeno 👍"),
    },
    "fi": {
        "negative": ("Kamalaa.", "Ei enää koskaan!", "Huonoa palvelua 😡"),
        "neutral": ("Ok.", "Ihan jees", "Siltä väliltä 🤷"),
        "positive": ("Mahtavaa!", "Ihana ❤️", "Täydellistä 👍"),
    },
}

LANGUAGES = tuple(THEME_PHRASES)
