"""What a coach looks at after the run: the HTML report of a session or an analysed video, and
the annotated video of an analysis."""
