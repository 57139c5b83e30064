"""French for the archivists' pages (upload, jobs, metadata edits, removal): merged into
translations_fr.FRENCH, kept apart so that each file stays readable."""

ARCHIVISTS = {
    "This page is for archivists. Ask an administrator to give your account the archivist "
    "role.": "Cette page est réservée aux archivistes. Demandez à un administrateur de donner "
             "le rôle d'archiviste à votre compte.",
    "The date must be a real date written YYYY-MM-DD, like 2009-12-04.":
        "La date doit être une date réelle écrite AAAA-MM-JJ, comme 2009-12-04.",
    "Title": "Titre",
    "Event": "Événement",
    "Metadata": "Métadonnées",
    "Yes, remove this video from the archive": "Oui, retirer cette vidéo des archives",
    # jobs
    "Queued": "En attente",
    "Transcribing": "Transcription",
    "Indexing": "Indexation",
    "Done": "Terminé",
    "Failed": "Échec",
    "Job %(id)d (%(name)s) is queued again.": "La tâche %(id)d (%(name)s) est remise en file.",
    "There is no job %(id)d.": "Il n'y a pas de tâche %(id)d.",
    "Job %(id)d has not failed (it is %(state)s): only failed jobs can be retried.":
        "La tâche %(id)d n'est pas en échec (état : %(state)s) : seules les tâches en échec "
        "peuvent être réessayées.",
    "Jobs": "Tâches",
    "Indexing jobs": "Tâches d'indexation",
    "Each file is transcribed, then added to the search index. This page updates itself every "
    "2 seconds.": "Chaque fichier est transcrit, puis ajouté à l'index de recherche. Cette page "
                  "se met à jour toutes les 2 secondes.",
    "Live updates stopped: reload the page.":
        "Mises à jour en direct interrompues : rechargez la page.",
    "File": "Fichier",
    "State": "État",
    "Transcribed": "Transcrit",
    "Speed": "Vitesse",
    "Time left": "Temps restant",
    "Attempts": "Essais",
    "Queued at (UTC)": "Mis en file à (UTC)",
    "%(speed)s× real time": "%(speed)s× le temps réel",
    "Retry": "Réessayer",
    "No jobs yet. Files uploaded here, or queued with speechsearch index --queue, show up in "
    "this list with their progress.":
        "Aucune tâche pour l'instant. Les fichiers envoyés ici, ou mis en file avec "
        "speechsearch index --queue, apparaissent dans cette liste avec leur progression.",
    # removal
    "%(id)s is not a video id (16 hexadecimal digits)":
        "%(id)s n'est pas un identifiant de vidéo (16 chiffres hexadécimaux)",
    "job %(job)d is working on this video right now; remove it once the job has ended":
        "la tâche %(job)d traite cette vidéo en ce moment ; retirez-la une fois la tâche "
        "terminée",
    "no video with id %(id)s in the archive": "aucune vidéo d'identifiant %(id)s dans les archives",
    "Nothing was removed: %(reason)s.": "Rien n'a été retiré : %(reason)s.",
    "“%(title)s” is removed from the archive: its transcript and search entries are gone.":
        "« %(title)s » est retirée des archives : sa transcription et ses entrées de recherche "
        "sont supprimées.",
    ("Its media file was deleted.", "Its %(num)d media files were deleted."):
        ("Son fichier média a été supprimé.", "Ses %(num)d fichiers média ont été supprimés."),
    "Its media file %(path)s is outside the data folder, so it was left in place.":
        "Son fichier média %(path)s est hors du dossier de données : il a été laissé en place.",
    "Archivist: edit or remove this video": "Archiviste : modifier ou retirer cette vidéo",
    "Removing deletes the transcript and the search entries, and the media file if it is stored "
    "in the data folder. It cannot be undone.":
        "Retirer la vidéo supprime sa transcription, ses entrées de recherche, et son fichier "
        "média s'il est dans le dossier de données. C'est définitif.",
    "Remove the video": "Retirer la vidéo",
    # metadata
    "This video was removed in the meantime.": "Cette vidéo a été retirée entre-temps.",
    "The new metadata is saved, but the search index could not be updated (%(reason)s). Save "
    "again to retry.": "Les nouvelles métadonnées sont enregistrées, mais l'index de recherche "
                       "n'a pas pu être mis à jour (%(reason)s). Enregistrez à nouveau pour "
                       "réessayer.",
    "Metadata saved; searches show it now.":
        "Métadonnées enregistrées ; les recherches en tiennent compte dès maintenant.",
    "Save the metadata": "Enregistrer les métadonnées",
    # upload
    "Upload": "Envoyer",
    "Upload media": "Envoyer des médias",
    "This upload is too large: at most %(limit)s MB per file.":
        "Cet envoi est trop volumineux : %(limit)s Mo au plus par fichier.",
    "%(name)s is empty (0 bytes).": "%(name)s est vide (0 octet).",
    "%(name)s is too large: at most %(limit)s MB per file.":
        "%(name)s est trop volumineux : %(limit)s Mo au plus par fichier.",
    "%(name)s is not an audio or video file the archive can read (%(reason)s).":
        "%(name)s n'est pas un fichier audio ou vidéo lisible par les archives (%(reason)s).",
    "%(name)s is queued for transcription.": "%(name)s est en file pour la transcription.",
    "%(name)s is already waiting to be transcribed.":
        "%(name)s attend déjà d'être transcrit.",
    "%(name)s is already in the archive.": "%(name)s est déjà dans les archives.",
    "%(name)s could not be queued: %(reason)s":
        "%(name)s n'a pas pu être mis en file : %(reason)s",
    "Choose at least one audio or video file.": "Choisissez au moins un fichier audio ou vidéo.",
    "Audio or video files, at most %(limit)s MB each. Each file is checked, then queued for "
    "transcription; follow it on the jobs page.":
        "Fichiers audio ou vidéo, %(limit)s Mo au plus chacun. Chaque fichier est vérifié, puis "
        "mis en file pour la transcription ; suivez-le sur la page des tâches.",
    "Ready to upload": "Prêt à envoyer",
    "Uploading…": "Envoi…",
    "Checking the file…": "Vérification du fichier…",
    "This file is empty (0 bytes).": "Ce fichier est vide (0 octet).",
    "This file is too large: at most %(limit)s MB per file.":
        "Ce fichier est trop volumineux : %(limit)s Mo au plus par fichier.",
    "The upload failed:": "L'envoi a échoué :",
    "the connection was lost": "la connexion a été perdue",
    "Remove from the list": "Retirer de la liste",
    "All files are sent.": "Tous les fichiers sont envoyés.",
    "Drop audio or video files here": "Déposez des fichiers audio ou vidéo ici",
    "or choose them:": "ou choisissez-les :",
    "By default, the file's name. With several files, each gets its own title in the list "
    "above.": "Par défaut, le nom du fichier. Avec plusieurs fichiers, chacun a son propre "
              "titre dans la liste ci-dessus.",
    "For example: NATO-Russia Council, Brussels": "Par exemple : Conseil OTAN-Russie, Bruxelles",
}
