"""French UI strings: writes search_app/translations/fr/LC_MESSAGES/messages.po from the .pot.

    .venv/bin/pybabel extract -F babel.cfg -k _l --no-location --omit-header \
        -o search_app/translations/messages.pot search_app
    .venv/bin/python scripts/translations_fr.py

Fails, naming them, if a string of the .pot has no French here: a new UI string needs one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from translations_fr_archivists import ARCHIVISTS

ROOT = Path(__file__).resolve().parents[1]
FRENCH = {
    "The q parameter is required: the words to search for.":
        "Le paramètre q est obligatoire : les mots à rechercher.",
    "This page or video does not exist in the archive.":
        "Cette page ou cette vidéo n'existe pas dans les archives.",
    "This address does not accept that kind of request.":
        "Cette adresse n'accepte pas ce type de requête.",
    "The request is too large.": "La requête est trop volumineuse.",
    "The requested byte range is outside the file.":
        "La plage d'octets demandée est en dehors du fichier.",
    "Something went wrong.": "Une erreur s'est produite.",
    "%(name)s must be a whole number.": "%(name)s doit être un nombre entier.",
    "%(name)s must be between %(low)d and %(high)d.":
        "%(name)s doit être compris entre %(low)d et %(high)d.",
    "Unknown language code %(code)s.": "Code de langue inconnu : %(code)s.",
    "year must look like 2009.": "l'année doit s'écrire comme 2009.",
    "t must be a number of seconds, like 12.5.": "t doit être un nombre de secondes, comme 12.5.",
    "No video with id %(id)s in the archive.":
        "Aucune vidéo d'identifiant %(id)s dans les archives.",
    "Unknown transcript format %(fmt)s: use srt, vtt, txt or json.":
        "Format de transcription inconnu %(fmt)s : utilisez srt, vtt, txt ou json.",
    "The media file of this video is no longer available.":
        "Le fichier de cette vidéo n'est plus disponible.",
    "Speech archive": "Archives des discours",
    "Skip to content": "Aller au contenu",
    "Speech and press conference archive": "Archives des discours et conférences de presse",
    "Interface language": "Langue de l'interface",
    "Search what was said": "Rechercher ce qui a été dit",
    "Search what was said: words, “exact phrase”, names…":
        "Rechercher ce qui a été dit : mots, « expression exacte », noms…",
    "Search": "Rechercher",
    "Transcripts are made by machine (Whisper) and may contain errors: check the recording "
    "before quoting.":
        "Les transcriptions sont automatiques (Whisper) et peuvent contenir des erreurs : "
        "vérifiez l'enregistrement avant de citer.",
    "JSON API": "API JSON",
    "Error": "Erreur",
    "Back to search": "Retour à la recherche",
    "Player": "Lecteur",
    "Transcript": "Transcription",
    "Your browser cannot play this file.": "Votre navigateur ne peut pas lire ce fichier.",
    "Open it": "L'ouvrir",
    "Copy citation": "Copier la citation",
    "Transcript:": "Transcription :",
    "Names in this video": "Noms cités dans cette vidéo",
    "Search every video for %(name)s": "Rechercher %(name)s dans toutes les vidéos",
    "Click a passage to play it.": "Cliquez sur un passage pour l'écouter.",
    "Dotted words": "Les mots soulignés en pointillé",
    "are uncertain.": "sont incertains.",
    "Play from %(time)s": "Lire à partir de %(time)s",
    "Uncertain: %(p)d%%": "Incertain : %(p)d %%",
    "This search could not be understood": "Cette recherche n'a pas pu être comprise",
    "Find what was said": "Retrouvez ce qui a été dit",
    "Search the transcripts of press conferences, speeches and interviews, in French and "
    "English, and jump straight to the moment it was said.":
        "Recherchez dans les transcriptions des conférences de presse, discours et entretiens, "
        "en français et en anglais, et allez directement au moment où cela a été dit.",
    "In the archive": "Dans les archives",
    "Narrow the results": "Affiner les résultats",
    "Language": "Langue",
    "Names": "Noms",
    "Speaker": "Intervenant",
    "Year": "Année",
    "All": "Tout",
    ("%(num)d passage found", "%(num)d passages found"):
        ("%(num)d passage trouvé", "%(num)d passages trouvés"),
    "Pages": "Pages",
    "Previous": "Précédente",
    "Page %(page)d of %(pages)d": "Page %(page)d sur %(pages)d",
    "Page %(page)d of more than %(pages)d": "Page %(page)d sur plus de %(pages)d",
    "More than %(num)s passages found": "Plus de %(num)s passages trouvés",
    "Counted in the first %(num)s matches": "Comptés dans les %(num)s premiers résultats",
    "Next": "Suivante",
    "No results for %(q)s": "Aucun résultat pour %(q)s",
    "Did you mean": "Vouliez-vous dire",
    "Check the spelling, or try fewer words.": "Vérifiez l'orthographe, ou essayez moins de mots.",
    "Names work in either language: NATO also finds OTAN.":
        "Les noms fonctionnent dans les deux langues : OTAN trouve aussi NATO.",
    "Use a wildcard for word endings: terror*": "Utilisez un joker pour les fins de mots : terror*",
    "Search again without the filters": "Relancer la recherche sans les filtres",
    "How to search": "Comment rechercher",
    "passages with all these words, in any form (coopérations finds coopération)":
        "les passages contenant tous ces mots, sous toutes leurs formes "
        "(coopérations trouve coopération)",
    "this exact phrase": "cette expression exacte",
    "either word; exclude a word": "l'un ou l'autre mot ; exclure un mot",
    "any ending; tolerate a typo": "toute terminaison ; tolérer une faute de frappe",
    "filters": "filtres",
    # accounts
    "You are subscribed to the newsletter.": "Vous êtes abonné à la lettre d'information.",
    "You are no longer subscribed to the newsletter.":
        "Vous n'êtes plus abonné à la lettre d'information.",
    "You are unsubscribed": "Vous êtes désabonné",
    "You will receive no more newsletters.": "Vous ne recevrez plus de lettre d'information.",
    "Go to the archive": "Aller aux archives",
    "Tick the box to confirm.": "Cochez la case pour confirmer.",
    "Your account is deleted": "Votre compte est supprimé",
    "Your e-mail address and your data have been removed.":
        "Votre adresse électronique et vos données ont été effacées.",
    "This code is not right. Check the last mail we sent.":
        "Ce code n'est pas le bon. Vérifiez le dernier message que nous avons envoyé.",
    "This code has expired: send a new code.": "Ce code a expiré : envoyez un nouveau code.",
    "Too many wrong codes: send a new code.":
        "Trop de codes erronés : envoyez un nouveau code.",
    "A new code is on its way. The previous one no longer works.":
        "Un nouveau code est en route. Le précédent ne fonctionne plus.",
    "Wrong e-mail or password.": "Adresse électronique ou mot de passe incorrect.",
    "Your password has been updated": "Votre mot de passe a été mis à jour",
    "Log in with your new password.": "Connectez-vous avec votre nouveau mot de passe.",
    "Back to where you were": "Revenir où vous étiez",
    "The password needs: %(rules)s.": "Le mot de passe doit comporter : %(rules)s.",
    "Enter a valid e-mail address.": "Saisissez une adresse électronique valide.",
    "E-mail": "Adresse électronique",
    "Password": "Mot de passe",
    "Confirm the password": "Confirmez le mot de passe",
    "The two passwords differ.": "Les deux mots de passe sont différents.",
    "Verification code": "Code de vérification",
    "The code has 6 digits.": "Le code comporte 6 chiffres.",
    "Remember me": "Se souvenir de moi",
    "New password": "Nouveau mot de passe",
    "Yes, delete my account and my personal data":
        "Oui, supprimer mon compte et mes données personnelles",
    "Your SpeechSearch verification code": "Votre code de vérification SpeechSearch",
    "Your SpeechSearch password reset code":
        "Votre code de réinitialisation du mot de passe SpeechSearch",
    "at least 12 characters": "au moins 12 caractères",
    "no spaces": "aucune espace",
    "a lower-case letter": "une lettre minuscule",
    "an upper-case letter": "une lettre majuscule",
    "a digit": "un chiffre",
    "a symbol, such as ! ? # @ %": "un symbole, comme ! ? # @ %",
    "Account": "Compte",
    "Your account": "Votre compte",
    "Log out": "Se déconnecter",
    "Log in": "Se connecter",
    "Create a free account": "Créer un compte gratuit",
    "Newsletter": "Lettre d'information",
    "Subscribed since %(date)s": "Abonné depuis le %(date)s",
    "Not subscribed": "Non abonné",
    "Unsubscribe": "Se désabonner",
    "Subscribe to our newsletter": "S'abonner à notre lettre d'information",
    "Delete the account": "Supprimer le compte",
    "Delete my account": "Supprimer mon compte",
    "Forgot your password?": "Mot de passe oublié ?",
    "Create a new password": "Créer un nouveau mot de passe",
    "Save the new password": "Enregistrer le nouveau mot de passe",
    "With a verified account you can download full videos and clips of what was said.":
        "Avec un compte vérifié, vous pouvez télécharger les vidéos complètes et des extraits "
        "de ce qui a été dit.",
    "Create my account": "Créer mon compte",
    "Already registered?": "Déjà inscrit ?",
    "Reset your password": "Réinitialiser votre mot de passe",
    "Enter the e-mail address you registered with: we will send you a code.":
        "Saisissez l'adresse électronique de votre inscription : nous vous enverrons un code.",
    "Send the code": "Envoyer le code",
    "Enter the code": "Saisir le code",
    "Check your inbox and enter the verification code":
        "Consultez votre messagerie et saisissez le code de vérification",
    "We sent a 6-digit code to %(email)s. It expires in 30 minutes.":
        "Nous avons envoyé un code à 6 chiffres à %(email)s. Il expire dans 30 minutes.",
    "Verify": "Vérifier",
    "Didn't receive a code?": "Vous n'avez pas reçu de code ?",
    "Send a new code": "Envoyer un nouveau code",
    "Welcome": "Bienvenue",
    "You have successfully created your account; from now on you can download full or "
    "partial versions of our videos.":
        "Vous avez créé votre compte avec succès ; vous pouvez désormais télécharger nos "
        "vidéos en version complète ou partielle.",
    "Want to hear about new speeches in the archive?":
        "Voulez-vous être informé des nouveaux discours dans les archives ?",
    "Someone asked to reset the password of your SpeechSearch account.":
        "Quelqu'un a demandé la réinitialisation du mot de passe de votre compte SpeechSearch.",
    "Your code is:": "Votre code est :",
    "It expires in 30 minutes. If it was not you, ignore this message: your password stays as "
    "it is.":
        "Il expire dans 30 minutes. Si ce n'était pas vous, ignorez ce message : votre mot de "
        "passe reste inchangé.",
    "Welcome to SpeechSearch.": "Bienvenue sur SpeechSearch.",
    "Your verification code is:": "Votre code de vérification est :",
    "It expires in 30 minutes. If you did not create an account, ignore this message.":
        "Il expire dans 30 minutes. Si vous n'avez pas créé de compte, ignorez ce message.",
    # downloads
    "Verify your e-mail address to download: enter the code we sent you.":
        "Vérifiez votre adresse électronique pour télécharger : saisissez le code envoyé.",
    "%(name)s must be a time, like 83.5 or 1:23.5.":
        "%(name)s doit être un temps, comme 83.5 ou 1:23.5.",
    "Download": "Télécharger",
    "Full video": "Vidéo complète",
    "Downloads need a free account.": "Les téléchargements demandent un compte gratuit.",
    "A clip of just the soundbite: type the times, mark them while playing, or tick passages "
    "in the transcript. Boundaries never cut a word.":
        "Un extrait du seul passage voulu : saisissez les temps, marquez-les pendant la "
        "lecture ou cochez des passages de la transcription. Les bornes ne coupent jamais un "
        "mot.",
    "Start": "Début",
    "Mark start": "Marquer le début",
    "End": "Fin",
    "Mark end": "Marquer la fin",
    "Format": "Format",
    "MP4 video, frame-accurate": "Vidéo MP4, à l'image près",
    "Fast copy (starts at the nearest keyframe)":
        "Copie rapide (commence à l'image clé la plus proche)",
    "Audio only, M4A": "Son seul, M4A",
    "Audio only, WAV": "Son seul, WAV",
    "Padding (s)": "Marge (s)",
    "Download the clip": "Télécharger l'extrait",
    "Its subtitles (SRT)": "Ses sous-titres (SRT)",
    "Add this passage to the clip": "Ajouter ce passage à l'extrait",
    "MP4 of this passage (free account)": "MP4 de ce passage (compte gratuit)",
    "Download this soundbite": "Télécharger cet extrait",
    "Your downloads": "Vos téléchargements",
    "Date": "Date",
    "Video": "Vidéo",
    "Part": "Partie",
    "whole video": "vidéo entière",
    "No downloads yet.": "Aucun téléchargement pour l'instant.",
    # clips and newsletter
    "The server is busy cutting other clips; try again in a minute.":
        "Le serveur découpe déjà d'autres extraits ; réessayez dans une minute.",
    "Unknown clip format %(fmt)s: use mp4, copy, m4a or wav.":
        "Format d'extrait inconnu %(fmt)s : utilisez mp4, copy, m4a ou wav.",
    "The clip start, end and padding must be numbers.":
        "Le début, la fin et la marge de l'extrait doivent être des nombres.",
    "The clip cannot start before the video (0:00).":
        "L'extrait ne peut pas commencer avant la vidéo (0:00).",
    "The clip must start before it ends.": "L'extrait doit commencer avant de finir.",
    "The clip ends after the video (it is %(length)s long).":
        "L'extrait finit après la vidéo (elle dure %(length)s).",
    "A clip can be at most %(length)s long.": "Un extrait dure au plus %(length)s.",
    "The padding must be between 0 and %(most)s seconds.":
        "La marge doit être comprise entre 0 et %(most)s secondes.",
    "Could not cut the clip: %(reason)s": "Impossible de découper l'extrait : %(reason)s",
    "Could not cut the clip: it took too long.":
        "Impossible de découper l'extrait : cela a pris trop de temps.",
    "Clip start handle": "Poignée de début de l'extrait",
    "Clip end handle": "Poignée de fin de l'extrait",
    "You receive this newsletter because you subscribed to it on SpeechSearch.":
        "Vous recevez cette lettre d'information parce que vous vous y êtes abonné sur "
        "SpeechSearch.",
    "Unsubscribe in one click": "Se désabonner en un clic",
    "Unsubscribe in one click:": "Se désabonner en un clic :",
}
FRENCH.update(ARCHIVISTS)


def main() -> int:
    with open(ROOT / "search_app" / "translations" / "messages.pot", "rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale="fr", project="speechsearch", fuzzy=False)
    missing = []
    for message in template:
        if not message.id:
            continue
        french = FRENCH.get(message.id)
        if french is None:
            missing.append(message.id)
            continue
        catalog.add(message.id, french)
    if missing:
        print("No French for:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    target = ROOT / "search_app" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        write_po(handle, catalog, omit_header=False, width=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
