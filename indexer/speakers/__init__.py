"""Who speaks when: offline speaker diarization and voice profiles.

embedding.py turns speech into voice embeddings (resemblyzer's encoder, shipped inside its
wheel: nothing is downloaded); clustering.py groups them into speakers; diarize.py labels the
transcript's words with them and splits passages where the speaker changes; rttm.py writes and
reads turns; profiles.py matches voices to named profiles. Nothing heavy is imported here: the
exports and the site use rttm.py without loading torch or scikit-learn.
"""
