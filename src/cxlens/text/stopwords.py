"""Function words per language, left out of themes' top words and discovered themes.

Articles, pronouns, auxiliaries, prepositions, conjunctions, particles, filler
adverbs and the numbers one to ten (about 250 words per language).
"""

from __future__ import annotations


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: function words left out of themes' top words (articles, pronouns, auxiliaries,
#: prepositions, conjunctions, particles, filler adverbs, numbers one to ten)
STOPWORDS: dict[str, frozenset[str]] = {
    "en": _word_set(
        """
        the a an this that these those some any all every each either neither other another
        such both few many much more most less several own same i me my mine myself we us
        our ours ourselves you your yours yourself yourselves he him his himself she her
        hers herself it its itself they them their theirs themselves who whom whose which
        what whatever whoever whichever when where why how whether someone somebody
        something anyone anybody anything everyone everybody everything nobody nothing none
        one ones be am is are was were been being have has had having do does did doing
        done will would shall should can could may might must get got gets getting don
        doesn didn isn aren wasn weren haven hasn hadn couldn wouldn shouldn won ll ve re s
        t d m to of in on at for with by from about into onto over under after before
        between through during without within against among around upon via per off out up
        down above below since until till towards across behind and or but nor if because
        as than then though although while whereas unless so yet however not no very too
        just only even still already again now here there quite really rather almost also
        ever always often sometimes anyway actually maybe perhaps else once twice further
        instead yes oh somewhat soon ago away thus therefore anyhow otherwise enough two
        three four five six seven eight nine ten
        """
    ),
    "et": _word_set(
        """
        mina ma minu mu mind mulle mul mult sina sa sinu su sind sulle sul tema ta teda
        talle tal temaga meie me meid meile meil meilt meist teie te teid teile teil teilt
        teist nemad nad nende neid neile neil neilt neist oma ise enda end ennast endale
        see selle seda sellele sellel sellest selles sellega need neis selline sellise
        sellist sama samas mis mida mille millest millega kes keda kelle milline millist
        kus kuhu kust kuidas miks millal kas keegi kedagi miski midagi mingi mõni mõned
        kõik kõike iga ükski muu muud teine teised teisi kogu kuskil kuidagi olen oled on
        oleme olete ole olla olin olid oli olnud oleks pole polnud ei ära saan saab saaks
        sai võib võiks võis pean peab peaks peavad pidi tuleb ja ning ega ehk või aga kuid
        vaid sest et kuna kuigi kui nagu kuni seega seetõttu peale pärast enne järel eest
        ees taga all üle alla läbi kaudu vastu kohta juures juurde ümber kõrval sisse välja
        koos ilma jaoks poolt poole tõttu järgi umbes kaasa ka kah ju küll ikka ikkagi veel
        juba alles just lihtsalt isegi ainult üsna päris täitsa täiesti lausa liiga väga
        eriti nii siis nüüd praegu kohe jälle uuesti samuti muidu muidugi siiski ometi vist
        äkki pigem rohkem enam kõige vähem natuke palju mitte üldse tegelikult kunagi alati
        siin seal siia sinna siit sealt jah no üks ühe ühte kaks kolm neli viis kuus seitse
        kaheksa üheksa kümme
        """
    ),
    "bg": _word_set(
        """
        а беше бяха в да е за и как ме ми много на не но от по с са си то това че аз ти той
        тя ние вие те мен теб него нея нас вас тях го я ни ви ги му й ѝ им се себе мой моя
        моят моята моето моите твой твоя твоята твоето твоите негов неговата неговото
        неговите неин нейната нейните наш наши нашия нашата нашето нашите ваш ваши вашия
        вашата вашето вашите техен тяхната техните своя своята своето своите този тази тези
        тоя оня онзи онази онова онези такъв такава такова такива кой коя кое кои който
        която което които кого какъв каква какво какви къде кога защо колко откъде някой
        някоя някое някои нещо някъде някога някакъв някаква някакво някакви всеки всяка
        всяко всички всичко друг друга друго други сам само съм сме сте бях бе бил била
        било били бъда бъде ще щях щеше би бих биха има имам имаме имат имах имаше може
        мога можем могат можеше трябва трябваше във със до при към след пред преди между
        под над без през около чрез освен заради срещу върху из у според относно или ако
        като защото понеже когато докато щом нито обаче затова въпреки макар дали пък ами
        ли нали нека даже дори май най вече още също просто пак отново тогава сега тук там
        така доста наистина твърде повече малко почти съвсем изобщо все всъщност точно един
        една едно едни два две три четири пет шест седем осем девет десет
        """
    ),
    "de": _word_set(
        """
        der die das den dem des ein eine einen einem einer eines kein keine keinen keinem
        keiner keines ich mich mir du dich dir er ihn ihm sie ihr es wir uns euch ihnen man
        mein meine meinen meinem meiner meines dein deine sein seine seinen seinem seiner
        ihre ihren ihrem ihrer unser unsere unseren dies diese dieser dieses diesen diesem
        solche dessen deren denen welche welcher welches welchen sich selbst jemand etwas
        nichts alle alles allen jeder jede jedes jeden jedem andere anderen anderer anderes
        einige einigen mehrere viel viele vielen beide bin ist sind war waren gewesen habe
        hat haben hatte hatten hätte hätten werde wird werden wurde wurden würde würden
        worden kann können konnte konnten könnte könnten muss müssen musste soll sollte
        sollten sollen will wollte wollen darf dürfen möchte wäre wären an auf aus bei bis
        durch für gegen mit nach ohne seit über um unter von vor während wegen zu zum zur
        zwischen am im ins vom beim ab ausser und oder aber denn sondern dass weil wenn ob
        als wie obwohl damit sowie also falls doch jedoch trotzdem deshalb daher dann schon
        noch auch nur mal ja nein nicht halt eigentlich wirklich sehr so ganz gar eher fast
        sogar immer wieder jetzt nun hier dort da bereits erst ziemlich vielleicht
        irgendwie zwar dabei dafür davon dazu darauf daran darüber wann wo warum wieso was
        wer wen wem mehr meisten meist eins zwei drei vier fünf sechs sieben acht neun zehn
        in
        """
    ),
    "hr": _word_set(
        """
        i ali a je su bio bila bilo na u s za od da ne se mi me to ovo vrlo jako sam smo ja
        ti on ona ono vi oni one mene meni tebe te njega ga njemu mu njim nje njoj joj nas
        nama vas vama njih ih njima im sebe sebi si moj moja moje mog mom moju moji mojih
        njegov njegova naš naša naše našeg našu naši vaš vaša vaše vašeg vašu vaši njihov
        njihova svoj svoja svoje svog svoju svoji ovaj ova ovog ovom ovu ovi ove ovih ovim
        taj ta tog toga tom tu tih tim takav koji koja koje kojeg kojem kojoj koju kojih
        kojim što šta čega tko koga gdje kada kad kako zašto zato koliko toliko tako netko
        nešto neki neka neko neke nekih nekim svaki svaka svako sav sva sve svi svih svim
        drugi isto ste jesam nisam nije nisu bili bile biti bi bih bude će ću ćemo neće
        imam ima imaju imao imala imali imalo nema mogu može mogao moram mora morao treba
        trebao sa do iz po prema bez oko nakon prije poslije tijekom zbog osim uz kod o ili
        pa nego već no jer ako dok čim iako ni niti li kao dakle ipak samo čak još opet sad
        sada tada onda ovdje tamo također baš stvarno zaista prilično dosta previše malo
        više manje puno mnogo uvijek možda zapravo jedan jedna jedno dva dvije tri četiri
        pet šest sedam osam devet deset
        """
    ),
    "fi": _word_set(
        """
        minä minun minua minulle minulla minulta minut minusta mä mun mulle mulla multa
        sinä sinun sinua sinulle sinulla sinut sä sun sulle hän hänen häntä hänelle hänellä
        hänet me meidän meitä meille meillä te teidän teitä teille teillä he heidän heitä
        heille heillä se sen sitä sille sillä siitä siihen siinä ne niiden niitä niille
        niillä niistä tämä tämän tätä tälle tällä tästä tähän tässä nämä näiden näitä tää
        tuo tuon tuota nuo joka jonka jota jolle jolla jossa josta johon jotka joiden joita
        mikä minkä mitä mihin missä mistä millä kuka kenen ketä miksi miten milloin kuinka
        mikään mitään kukaan ketään jokin jotain jotakin joku jonkun jokainen kaikki
        kaikkea kaiken muu muut muuta toinen toista sama saman samaa itse itsensä oma oman
        olla olen olet on olemme olette ovat oli olin olit olimme olitte olivat ole ollut
        olleet olisi olisivat ollaan oon ollu ei en et emme ette eivät eikä voi voin voisi
        voivat voida pitäisi täytyy täytyi ja tai sekä mutta vaan että kuin koska jos kun
        vaikka jotta eli joten mikäli kuten vai niin myös vain jo vielä kyllä ihan aivan
        todella tosi hyvin melko liian enemmän eniten paljon nyt sitten sit täällä siellä
        tänne sinne silloin aina taas jälleen uudelleen edes vasta juuri jopa lähes melkein
        siis kai ehkä varmaan kuitenkin ainakin no näin noin kanssa ilman mukaan jälkeen
        ennen aikana asti saakka kautta vuoksi takia yli läpi välillä lisäksi sijaan
        vastaan yksi yhden kaksi kahden kolme neljä viisi kuusi seitsemän kahdeksan
        yhdeksän kymmenen
        """
    ),
}
