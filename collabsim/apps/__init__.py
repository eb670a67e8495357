"""The applications built on the model for people who do not program: the classroom app
(`classroom`, the app's own Solara page with its run controls in `classroom_controls` and its
offline front-end assets in `classroom_assets`) and the Samenwerkingsscan (`scan`: a
partnership's questionnaire answers turned into a scenario, a forecast and a report)."""
