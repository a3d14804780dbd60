"""Language resolution and detection for the chapter language check."""

from __future__ import annotations

import dataclasses
import time

import pytest

from plugin.story.language import (
    LANGUAGES,
    Language,
    check_language,
    detect_language,
    resolve_language,
)

# One original story paragraph (about 80-120 words) per supported language.
PARAGRAPHS: dict[str, str] = {
    "en": (
        "The lighthouse keeper had not seen a ship in eleven days when the storm finally broke over the harbor. "
        "She climbed the spiral stairs with a lantern in one hand and a cup of cold tea in the other, counting "
        "each step as her grandfather had taught her. At the top, the great lamp was flickering. Something was "
        "wrong with the gears, and if the light went out tonight, the fishing boats that were still at sea would "
        "never find their way home. She set down the tea, rolled up her sleeves, and reached into the machine. "
        "Far below, the waves were throwing themselves against the rocks as if they wanted to climb the tower too."
    ),
    "es": (
        "El viejo relojero abrió la tienda antes del amanecer, como hacía todas las mañanas desde hacía cuarenta "
        "años. Pero aquel día algo era diferente: sobre el mostrador había una caja de madera que no recordaba "
        "haber dejado allí. Tenía un sello de cera roja y una nota escrita con una letra temblorosa. «No la abras "
        "hasta que suenen las doce», decía. El hombre se sentó en su banqueta, encendió la lámpara y miró la caja "
        "durante mucho tiempo. ¿Quién podía haber entrado sin romper la cerradura? Afuera, la ciudad empezaba a "
        "despertar, y los primeros vendedores ya gritaban sus precios en la plaza. Él sonrió con nerviosismo y "
        "siguió esperando."
    ),
    "pt": (
        "A pequena vila de pescadores acordou com um barulho estranho vindo do mar. Dona Rosa, que vendia pão na "
        "esquina da igreja, foi a primeira a ver o navio encalhado na areia. Era enorme, com velas rasgadas e um "
        "nome que ninguém conseguia ler. As crianças correram para a praia, mas os pais gritaram para que "
        "ficassem longe. Ninguém sabia de onde ele tinha vindo nem há quanto tempo estava ali. Quando a maré "
        "baixou, o velho João decidiu subir a bordo com uma lanterna. Lá dentro, encontrou mapas antigos, uma "
        "bússola quebrada e um diário que ainda estava molhado. A última página dizia apenas: não confiem no farol."
    ),
    "fr": (
        "Le train de nuit s'arrêta brusquement au milieu de la forêt, et toutes les lumières s'éteignirent en "
        "même temps. Dans le wagon-restaurant, Madeleine posa sa tasse de café et regarda par la fenêtre. Il "
        "neigeait depuis des heures, mais elle était sûre d'avoir vu une silhouette courir entre les arbres. Le "
        "contrôleur passa dans le couloir avec une lampe de poche, en répétant que ce n'était rien, juste un "
        "problème technique. Pourtant, sa voix tremblait. Madeleine prit son manteau et se leva sans bruit. Au "
        "bout du wagon, la porte qui menait vers l'extérieur était entrouverte, et des traces de pas fraîches "
        "s'enfonçaient dans la neige."
    ),
    "de": (
        "Als die alte Bibliothek am Marktplatz endlich wieder geöffnet wurde, war Lena die erste Besucherin. Sie "
        "hatte seit Wochen auf diesen Tag gewartet, denn ihr Großvater hatte ihr einmal erzählt, dass dort ein "
        "Buch versteckt sei, das niemand lesen könne. Die Regale reichten bis zur Decke, und der Staub tanzte im "
        "Licht der schmalen Fenster. Der Bibliothekar, ein freundlicher Mann mit runder Brille, fragte, ob sie "
        "etwas Bestimmtes suche. Lena zögerte einen Moment und schüttelte dann den Kopf. Sie wollte das Geheimnis "
        "allein finden. Hinter dem letzten Regal entdeckte sie eine kleine Tür, die nicht größer als ein Koffer war."
    ),
    "it": (
        "Quando Marco arrivò al piccolo paese di montagna, la neve aveva già coperto tutte le strade. L'unica "
        "luce accesa era quella della vecchia osteria vicino alla chiesa, e così decise di entrare per chiedere "
        "informazioni. Dentro c'erano solo tre uomini che giocavano a carte in silenzio. Nessuno alzò lo sguardo. "
        "Marco si avvicinò al bancone e domandò se qualcuno conosceva una donna di nome Giulia, che viveva lì "
        "molti anni prima. Il proprietario smise di asciugare i bicchieri e lo guardò con attenzione. Poi, senza "
        "dire una parola, indicò una fotografia appesa al muro: era lei, ma la data sotto l'immagine era di più "
        "di un secolo fa."
    ),
    "nl": (
        "Het was al laat toen Sanne de oude fiets uit de schuur van haar oma haalde. De banden waren bijna leeg "
        "en de bel deed het niet meer, maar dat maakte haar niets uit. Ze wilde voor middernacht bij de vuurtoren "
        "zijn, want daar zou volgens de brief iemand op haar wachten. De weg langs het kanaal was donker en stil. "
        "Af en toe hoorde ze een eend in het riet, en één keer dacht ze dat er een auto achter haar reed. Toen ze "
        "omkeek, was er niemand. Bij de vuurtoren brandde een klein licht achter het raam van de bovenste "
        "verdieping, hoewel het gebouw al jaren leeg stond."
    ),
    "id": (
        "Pagi itu, pasar di tepi sungai lebih ramai dari biasanya. Rina berjalan pelan di antara para pedagang "
        "sambil memegang sebuah peta tua yang ditemukan di loteng rumah kakeknya. Menurut peta itu, ada sebuah "
        "pintu rahasia di bawah jembatan kayu yang sudah lama tidak dipakai. Dia bertanya kepada seorang penjual "
        "kelapa apakah jembatan itu masih bisa dilewati. Lelaki itu tertawa dan berkata bahwa tidak ada orang "
        "yang berani ke sana setelah gelap. Namun Rina tidak takut. Dia membeli sebotol air, menyimpan peta di "
        "dalam tasnya, dan mulai berjalan menuju ujung desa, tempat kabut tipis mulai turun dari bukit."
    ),
    "tr": (
        "Kasabanın en eski saat kulesi yıllardır çalışmıyordu, ama o gece tam yarısında çanlar birden çalmaya "
        "başladı. Elif pencereyi açtı ve karanlık sokaklara baktı. Komşuların evlerinde ışıklar birer birer "
        "yanıyordu. Kimse ne olduğunu anlamıyordu. Elif ceketini aldı, ayakkabılarını giydi ve sessizce evden "
        "çıktı. Meydana vardığında kulenin kapısının açık olduğunu gördü. İçeriden hafif bir müzik sesi "
        "geliyordu, sanki biri eski bir şarkıyı mırıldanıyordu. Merdivenler dar ve tozluydu. Her adımda tahtalar "
        "gıcırdıyordu. Yukarıda, büyük çarkların arasında küçük bir çocuk oturuyordu ve elinde paslı bir anahtar "
        "tutuyordu. Elif'e bakıp gülümsedi ve şöyle dedi: seni bekliyordum."
    ),
    "pl": (
        "Kiedy Ania wróciła do domu po długiej podróży, od razu zauważyła, że coś jest nie tak. Drzwi do ogrodu "
        "były otwarte, a na stole w kuchni leżał list, którego wcześniej tam nie było. Koperta była stara i "
        "pożółkła, a pismo wyglądało jak pismo jej babci. Ania usiadła przy oknie i zaczęła czytać. W liście "
        "babcia pisała o skarbie ukrytym pod starym dębem na końcu wsi. Ania nie wiedziała, czy ma się śmiać, "
        "czy płakać. Przecież babcia nie żyła od dziesięciu lat. Mimo to wzięła latarkę, założyła płaszcz i "
        "wyszła w ciemną, chłodną noc, a pies pobiegł tuż za nią."
    ),
    "vi": (
        "Buổi sáng hôm ấy, ngôi làng nhỏ bên bờ sông bị bao phủ bởi một lớp sương mù dày đặc. Minh dậy sớm hơn "
        "mọi ngày để giúp mẹ mang cá ra chợ. Khi đi ngang qua cây đa cổ thụ ở đầu làng, cậu nghe thấy tiếng ai "
        "đó gọi tên mình. Cậu dừng lại và nhìn quanh, nhưng không thấy một bóng người nào. Tiếng gọi lại vang "
        "lên, lần này gần hơn và rõ hơn. Minh đặt giỏ cá xuống đất, bước chậm về phía gốc cây. Ở đó, giữa những "
        "cái rễ to lớn, có một chiếc hộp gỗ nhỏ được buộc bằng sợi dây đỏ."
    ),
    "ru": (
        "Старый паром отходил от берега ровно в полночь, и Андрей едва успел вскочить на палубу. Кроме него, "
        "пассажиров было всего трое: женщина в сером пальто, мальчик с собакой и высокий мужчина, который всё "
        "время смотрел на воду. Река была тёмной и тихой, только фонарь на мачте тихо скрипел от ветра. Андрей "
        "достал из кармана письмо и ещё раз перечитал последние строки. Его просили приехать как можно скорее и "
        "никому не говорить о цели поездки. Когда паром был уже на середине реки, мужчина вдруг обернулся и "
        "спросил, не знает ли он, почему на этом берегу никогда не горят огни."
    ),
    "uk": (
        "Стара бабусина хата стояла на самому краю села, біля лісу. Оксана не була там уже десять років, але "
        "цього літа вирішила повернутися. Коли вона відчинила двері, у ніс ударив запах сухих трав і старого "
        "дерева. На столі все ще стояла глиняна миска, а на стіні висів вишитий рушник. Оксана обережно пройшла "
        "до печі й помітила, що одна цеглина трохи виступає. Вона потягнула її до себе, і за нею відкрилася "
        "невелика схованка. Там лежав пожовклий зошит, перев'язаний червоною ниткою. На першій сторінці було "
        "написано її ім'я, хоча цей почерк вона бачила вперше у своєму житті."
    ),
    "zh": (
        "那天傍晚，小镇的钟楼突然响了十三下。住在书店楼上的林晓放下手中的茶杯，走到窗前。街上的人都停了下来，"
        "抬头望着那座已经几十年没有修过的老钟楼。林晓记得爷爷说过，只有在非常特别的日子，钟才会多响一下。"
        "她披上外套，沿着湿漉漉的石板路向广场走去。广场中央站着一个穿灰色长袍的老人，手里拿着一盏灯笼。"
        "他看见林晓，微微一笑，说他已经等了她很久。林晓心里一紧，却没有转身离开，而是慢慢走了过去。"
    ),
    "ja": (
        "その夜、古い駅のホームには誰もいなかった。ハルトは最終電車を待ちながら、祖母から届いた不思議な手紙を"
        "もう一度読んだ。手紙には「月が一番高くなったら、三番線に来なさい」とだけ書かれていた。時計の針が十二時を"
        "指したとき、遠くから汽笛の音が聞こえてきた。しかし、時刻表にはそんな列車は載っていない。やがて霧の中から、"
        "古びた木製の車両がゆっくりと姿を現した。窓の向こうでは、知らない人たちが静かに笑っている。ハルトは少し"
        "迷ったが、勇気を出してドアに手をかけた。"
    ),
    "ko": (
        "그날 밤, 바닷가 작은 마을에는 이상한 바람이 불었다. 지우는 할머니의 낡은 등대에 올라가 창문 밖을 "
        "내다보았다. 멀리 수평선 위로 푸른 불빛이 천천히 움직이고 있었다. 마을 사람들은 그 빛을 본 사람은 "
        "반드시 길을 잃는다고 말했지만, 지우는 겁이 나지 않았다. 오히려 가슴이 두근거렸다. 그는 손전등과 "
        "할머니가 남긴 지도를 챙겨 조용히 계단을 내려갔다. 해변에는 아무도 없었고, 파도 소리만 들려왔다. "
        "모래 위에는 누군가 방금 지나간 듯한 발자국이 바다 쪽으로 이어져 있었다."
    ),
    "ar": (
        "في صباح ذلك اليوم، استيقظت ليلى على صوت طرق خفيف على باب البيت. فتحت الباب فلم تجد أحدا، لكنها رأت "
        "صندوقا خشبيا صغيرا على العتبة. كان الصندوق قديما ومزينا بنقوش ذهبية لم ترها من قبل. حملته إلى الداخل "
        "ووضعته على الطاولة بجانب النافذة. عندما فتحته، وجدت خريطة مرسومة باليد ورسالة قصيرة كتبت بخط جدها. "
        "قالت الرسالة إن الكنز الحقيقي مخفي في المكان الذي كانا يجلسان فيه كل مساء. تذكرت ليلى شجرة الزيتون "
        "الكبيرة في آخر الحديقة، فأخذت الخريطة وخرجت مسرعة قبل أن يستيقظ أحد."
    ),
    "hi": (
        "उस रात गाँव में अजीब सी खामोशी थी। राहुल अपनी दादी के पुराने घर की छत पर बैठा तारों को देख रहा था। "
        "अचानक उसे आसमान में एक चमकती हुई रोशनी दिखाई दी, जो धीरे-धीरे नदी की ओर नीचे आ रही थी। उसने जल्दी से "
        "अपनी टॉर्च उठाई और सीढ़ियों से नीचे उतर गया। गाँव के कुत्ते भी चुप थे, जैसे वे भी कुछ सुन रहे हों। नदी "
        "के किनारे पहुँचकर राहुल ने देखा कि पानी के ऊपर एक छोटी सी नाव तैर रही थी, और उसमें कोई नहीं था। नाव के "
        "बीच में एक पुराना संदूक रखा था।"
    ),
    "th": (
        "เช้าวันนั้น หมู่บ้านเล็ก ๆ ริมแม่น้ำถูกปกคลุมด้วยหมอกหนา นิดตื่นขึ้นมาเร็วกว่าปกติเพื่อช่วยแม่เตรียมของ"
        "ไปขายที่ตลาด ระหว่างทางเดินผ่านวัดเก่า เธอได้ยินเสียงระฆังดังขึ้นเบา ๆ ทั้งที่ไม่มีใครอยู่ในวัดเลย "
        "นิดหยุดเดินและมองไปรอบ ๆ แต่ก็ไม่เห็นใคร เสียงระฆังดังขึ้นอีกครั้ง คราวนี้ใกล้กว่าเดิม เธอค่อย ๆ "
        "เดินเข้าไปในลานวัด และพบกล่องไม้ใบเล็กวางอยู่ใต้ต้นโพธิ์ใหญ่ บนฝากล่องมีชื่อของเธอเขียนไว้ด้วยลายมือ"
        "ที่คุ้นเคย"
    ),
}

REQUIRED = (
    "English", "Spanish", "Portuguese", "French", "German", "Italian", "Dutch", "Indonesian", "Turkish",
    "Polish", "Vietnamese", "Russian", "Ukrainian", "Chinese", "Japanese", "Korean", "Arabic", "Hindi", "Thai",
)


def test_languages_table() -> None:
    names = {lang.name for lang in LANGUAGES.values()}
    assert set(REQUIRED) <= names
    assert all(code == lang.code for code, lang in LANGUAGES.items())
    assert set(PARAGRAPHS) == set(LANGUAGES)  # every supported language has a test paragraph
    lang = LANGUAGES["es"]
    assert isinstance(lang, Language) and lang.native == "Español" and "castellano" in lang.aliases
    with pytest.raises(dataclasses.FrozenInstanceError):
        lang.code = "xx"  # type: ignore[misc]
    for lang in LANGUAGES.values():
        assert all(alias == alias.lower() for alias in lang.aliases)


@pytest.mark.parametrize("code", sorted(PARAGRAPHS))
def test_paragraph_is_detected(code: str) -> None:
    detected, confidence = detect_language(PARAGRAPHS[code])
    assert detected == code
    assert confidence >= 0.6


@pytest.mark.parametrize("code", sorted(PARAGRAPHS))
def test_paragraph_passes_own_language(code: str) -> None:
    lang = LANGUAGES[code]
    for setting in (lang.name, lang.native, lang.name.upper(), *lang.aliases[:5]):
        assert check_language(PARAGRAPHS[code], setting) is None, setting


@pytest.mark.parametrize(
    ("code", "setting"),
    [
        ("en", "Spanish"), ("es", "English"), ("de", "English"), ("en", "German"), ("fr", "Italiano"),
        ("pt", "English"), ("zh", "Japanese"), ("ja", "中文"), ("ru", "Ukrainian"), ("uk", "Русский"),
        ("en", "简体中文"), ("ko", "English"), ("ar", "Hindi"), ("th", "Vietnamese"), ("vi", "English"),
        ("id", "English"), ("tr", "Deutsch"), ("pl", "Russian"), ("nl", "German"), ("it", "Español"),
    ],
)
def test_clear_mismatch_is_reported(code: str, setting: str) -> None:
    problem = check_language(PARAGRAPHS[code], setting)
    expected = resolve_language(setting)
    assert expected is not None
    assert problem == f"written in {LANGUAGES[code].name}, expected {expected.name}"


@pytest.mark.parametrize("code", sorted(PARAGRAPHS))
def test_any_reported_mismatch_names_the_real_language(code: str) -> None:
    for other in LANGUAGES.values():
        if other.code == code:
            continue
        problem = check_language(PARAGRAPHS[code], other.name)
        assert problem is None or problem.startswith(f"written in {LANGUAGES[code].name},"), (other.name, problem)


def test_english_with_foreign_names_passes() -> None:
    text = (
        "Señor Alvarez poured the wine and raised his glass toward the window. From the terrace of the old "
        "château they could see the vineyards rolling down to the river, and beyond them the road that led back "
        "to the city. He had promised his daughter a trip to Mount Fuji once the harvest was over, but the "
        "letter from Kraków had changed everything. \"Déjà vu,\" muttered Inès, who had heard the same promise "
        "the year before. Nobody laughed. The café owner, Herr Müller, pretended to polish the counter while he "
        "listened to every word they said, and the little dog under the table growled at nothing at all."
    )
    assert detect_language(text)[0] == "en"
    for setting in ("English", "english", "en", "en-GB", "English (US)"):
        assert check_language(text, setting) is None


# Other styles: dialogue-heavy prose, Traditional Chinese, kanji-heavy Japanese, Korean with Hanja.
STYLES: dict[str, tuple[str, str]] = {
    "es_dialogue": ("Español", (
        "—¡Corre! —gritó Lucía mientras el dragón despegaba del tejado. —No puedo, ¡tengo el pie atrapado! "
        "—Pues tira fuerte, que viene otra vez. Mateo tiró con todas sus fuerzas y por fin se soltó. Juntos "
        "saltaron al carro del heno justo cuando una llamarada pasó por encima de sus cabezas. —Vale —dijo él, "
        "jadeando—, la próxima vez elegimos otra ruta. Lucía se rió, aunque le temblaban las manos. ¿Qué harían "
        "ahora sin mapa y sin caballos?"
    )),
    "de_dialogue": ("Deutsch", (
        "„Bist du sicher?“, fragte Jonas leise. Mia nickte nur und schob die schwere Tür auf. Drinnen roch es "
        "nach Öl und altem Holz. Überall standen Maschinen, die seit Jahrzehnten niemand mehr benutzt hatte. "
        "„Schau mal“, flüsterte sie und zeigte auf eine Werkbank. Darauf lag ein kleiner Roboter aus Messing, "
        "kaum größer als eine Katze. Als Jonas ihn berührte, öffneten sich plötzlich zwei grüne Augen. Der "
        "Roboter blinzelte, streckte sich und sagte mit knarzender Stimme: „Endlich. Ich habe so lange gewartet.“"
    )),
    "pt_colloquial": ("Português (Brasil)", (
        "Cara, eu nunca vi nada parecido, disse o Pedro, olhando pro céu. A gente tava voltando da festa quando "
        "aquela luz apareceu em cima do morro. Todo mundo parou. Ninguém falava nada. Aí a luz começou a descer "
        "devagarinho, bem devagar mesmo, e o cachorro da dona Marta começou a latir feito doido. Eu peguei o "
        "celular pra filmar, mas a bateria acabou na hora. Tá bom, eu sei que parece mentira, mas é verdade. Juro."
    )),
    "uk_dialogue": ("Українська", (
        "— Ти впевнений, що це тут? — запитала Марічка. Петро знизав плечима. — Так написано на мапі. Перед "
        "ними чорніла печера. Вітер свистів між скелями, а внизу шуміло море. Вони увімкнули ліхтарики й "
        "обережно рушили вперед. За кілька кроків стіни почали світитися м'яким блакитним світлом. Марічка "
        "затамувала подих: на камені хтось вирізав їхні імена. — Цього не може бути, — прошепотів Петро. — "
        "Ніхто ж не знав, що ми прийдемо."
    )),
    "zh_traditional": ("繁體中文", (
        "那天晚上，港口的燈塔突然熄滅了。老漁夫阿明站在碼頭上，望著漆黑的海面，心裡有種說不出的不安。他想起父親"
        "曾經說過，燈塔熄滅的夜晚，海裡的東西會上岸來找人。遠處傳來一陣低沉的鐘聲，接著是水花拍打岸邊的聲音。"
        "阿明握緊手中的提燈，慢慢向燈塔走去。他知道，如果今晚不把燈重新點亮，明天早上出海的船都會迷失方向。"
    )),
    "ja_kanji_heavy": ("Japanese", (
        "東京都内の古書店で働く佐藤は、閉店後の店内で奇妙な古文書を発見した。表紙には江戸時代の年号が記され、"
        "内容は地図と暗号文で構成されていた。翌朝、大学の研究室を訪ねた佐藤は、歴史学者の山田教授に文書を見せた。"
        "教授は眼鏡を外し、長い沈黙の後で静かに言った。「これは三百年前に消えた財宝の在処を示す地図だ」。"
        "研究室の窓の外では、雨が激しく降り始めていた。"
    )),
    "ko_hanja": ("Korean", (
        "서울 大學校 도서관 지하에는 오래된 書庫가 있었다. 민수는 졸업 논문을 쓰기 위해 매일 그곳에 내려갔다. "
        "어느 날 그는 먼지 쌓인 상자 속에서 낡은 일기장을 발견했다. 첫 장에는 1950년이라는 날짜와 함께 그의 "
        "할아버지 이름이 적혀 있었다. 민수는 숨을 죽이고 다음 장을 넘겼다. 거기에는 아무도 몰랐던 가족의 비밀이 "
        "적혀 있었다."
    )),
    "en_markdown": ("English", (
        "## Chapter 3: The Bridge\n\n**Mara** stepped onto the bridge. It swayed.\n\n- Option A: Cross quickly\n"
        "- Option B: Go back\n- Option C: Call for Tomas\n\nThe river below was loud and cold, and the wind "
        "pulled at her coat as if it wanted her to fall. She held the rope with both hands and looked back at the "
        "village one last time. Nothing moved there. Not even the smoke from the chimneys."
    )),
}


@pytest.mark.parametrize("name", sorted(STYLES))
def test_other_styles_pass(name: str) -> None:
    setting, text = STYLES[name]
    lang = resolve_language(setting)
    assert lang is not None
    assert detect_language(text)[0] == lang.code
    assert check_language(text, setting) is None


def test_romanized_hindi_is_not_reported() -> None:
    # Hindi in Latin letters matches no Latin-script language well: too unsure to call it wrong.
    text = (
        "Us raat gaon mein ajeeb si khamoshi thi. Rahul apni dadi ke purane ghar ki chhat par baitha taaron ko "
        "dekh raha tha. Achanak use aasman mein ek chamakti hui roshni dikhai di, jo dheere dheere nadi ki or "
        "neeche aa rahi thi. Usne jaldi se apni torch uthai aur seedhiyon se neeche utar gaya."
    )
    assert detect_language(text)[1] < 0.6
    assert check_language(text, "English") is None


def test_mostly_wrong_language_is_reported_but_a_mix_is_not() -> None:
    english, spanish = PARAGRAPHS["en"].split(), PARAGRAPHS["es"].split()
    mostly_english = " ".join(english[:80] + spanish[80:])
    assert check_language(mostly_english, "Spanish") == "written in English, expected Spanish"
    half = " ".join(english[:55] + spanish[55:])
    assert check_language(half, "Spanish") is None
    assert check_language(half, "English") is None


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("El perro corrió hacia la puerta y ladró dos veces.", "English"),
        ("The dog ran to the door and barked twice, loudly.", "Español"),
        ("Der Hund rannte zur Tür und bellte zweimal sehr laut.", "English"),
        ("Собака побежала к двери и громко залаяла два раза.", "Українська"),
        ("狗跑到门口，大声叫了两次，然后安静地坐了下来。", "日本語"),
        ("犬はドアまで走って、二回大きな声で吠えました。", "中文"),
        ("Chó chạy ra cửa và sủa to hai lần rồi ngồi xuống.", "English"),
    ],
)
def test_short_text_never_reported(text: str, setting: str) -> None:
    assert detect_language(text)[1] < 0.6
    assert check_language(text, setting) is None


def test_unknown_setting_or_empty_text_is_not_checked() -> None:
    assert check_language(PARAGRAPHS["es"], "Klingon") is None
    assert check_language(PARAGRAPHS["es"], "") is None
    assert detect_language("") == (None, 0.0)
    assert detect_language("1234 !!! ...") == (None, 0.0)
    assert check_language("", "English") is None


def test_chinese_with_a_katakana_name_stays_chinese() -> None:
    text = PARAGRAPHS["zh"].replace("林晓", "林晓（ハルカ）", 1)
    assert detect_language(text)[0] == "zh"
    assert check_language(text, "Chinese") is None


@pytest.mark.parametrize(
    ("setting", "code"),
    [
        ("Español", "es"), ("spanish", "es"), ("  SPANISH ", "es"), ("castellano", "es"), ("es-MX", "es"),
        ("Português (Brasil)", "pt"), ("pt_BR", "pt"), ("Brazilian Portuguese", "pt"), ("portugues", "pt"),
        ("简体中文", "zh"), ("繁體中文", "zh"), ("中文（简体）", "zh"), ("Chinese (Traditional)", "zh"),
        ("mandarin", "zh"), ("zh-Hans", "zh"), ("日本語", "ja"), ("Japanese", "ja"), ("Bahasa Indonesia", "id"),
        ("bahasa", "id"), ("tiếng việt", "vi"), ("Tieng Viet", "vi"), ("Deutsch", "de"), ("English (UK)", "en"),
        ("en-US", "en"), ("Français", "fr"), ("Türkçe", "tr"), ("polski", "pl"), ("Nederlands", "nl"),
        ("Русский", "ru"), ("українська", "uk"), ("uk-UA", "uk"), ("한국어", "ko"), ("العربية", "ar"),
        ("हिन्दी", "hi"), ("ภาษาไทย", "th"), ("Italiano", "it"), ("Latin American Spanish", "es"),
    ],
)
def test_resolve_language(setting: str, code: str) -> None:
    lang = resolve_language(setting)
    assert lang is not None and lang.code == code


@pytest.mark.parametrize("setting", ["Klingon", "", "   ", "Elvish (Sindarin)", "English and Spanish", "UK"])
def test_resolve_unknown_or_ambiguous(setting: str) -> None:
    assert resolve_language(setting) is None


def test_fast_enough() -> None:
    chapter = " ".join([PARAGRAPHS["en"]] * 3)  # about 330 words
    runs = 200
    start = time.process_time()  # CPU time: other busy processes on the machine don't count
    for _ in range(runs):
        detect_language(chapter)
    per_call = (time.process_time() - start) / runs
    assert per_call < 0.005  # typically well under 1 ms; loose bound for slow CI machines
