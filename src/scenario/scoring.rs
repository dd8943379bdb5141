//! Scoring: assessment sheets as the scenario gives them, and the scoring inputs the service must
//! refuse.

use super::*;

impl Run {
    pub(super) fn sheet_body(sheet: &Value) -> Value {
        let mut body = json!({"knockout": sheet["knockout"], "scores": sheet["scores"], "motivation": sheet["motivation"]});
        // The motivations per criterion and per knock-out criterion not met, where the scenario has
        // them.
        for key in ["motivations", "knockout_motivations"] {
            if sheet[key].is_object() {
                body[key] = sheet[key].clone();
            }
        }
        body
    }

    pub(super) async fn submit_sheets(&self, round: &str, sheets: &Value) -> Result<()> {
        for sheet in sheets.as_array().into_iter().flatten() {
            let (_, token) = self.assessor(str_of(&sheet["assessor"], "sheet assessor")?)?;
            let id = self.application_of(str_of(&sheet["application"], "sheet application")?)?;
            self.c
                .post(
                    &format!("/applications/{id}/sheets/{round}/submit"),
                    &token,
                    &Self::sheet_body(sheet),
                )
                .await?
                .expect(200)?;
        }
        Ok(())
    }

    pub(super) async fn scoring_rejections(&mut self) -> Result<()> {
        let s = self.scenario.clone();
        let staff = self.staff();
        for input in self.rejected_of("score_out_of_range") {
            let r = str_of(&input["application"], "application")?;
            let assessor = str_of(&input["assessor"], "assessor")?;
            let (_, token) = self.assessor(assessor)?;
            let id = self.application_of(r)?;
            // A sheet valid except for the one value: the scenario's own sheet of this pair.
            let mut sheet = s["first_round_scores"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["application"] == r && x["assessor"] == assessor))
                .map(Self::sheet_body)
                .ok_or_else(|| {
                    Failure::scenario(format!("no first-round sheet of {assessor} on {r}"))
                })?;
            sheet["scores"][str_of(&input["criterion"], "criterion")?] = input["value"].clone();
            let before =
                self.c.get(&format!("/applications/{id}/sheets/first"), &staff).await?.body;
            let answer = self
                .c
                .post(&format!("/applications/{id}/sheets/first/submit"), &token, &sheet)
                .await?;
            let after = self.c.get(&format!("/applications/{id}/sheets/first"), &staff).await?.body;
            self.note_rejection(&input, answer.status, answer.is_problem(), &before, &after);
        }
        for input in self.rejected_of("conflict_of_interest") {
            let r = str_of(&input["application"], "application")?;
            let assessor = str_of(&input["assessor"], "assessor")?;
            let (_, token) = self.assessor(assessor)?;
            let id = self.application_of(r)?;
            let sheet = s["first_round_scores"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["application"] == r))
                .map(Self::sheet_body)
                .unwrap_or_else(|| json!({}));
            let before =
                self.c.get(&format!("/applications/{id}/sheets/first"), &staff).await?.body;
            let answer = self
                .c
                .post(&format!("/applications/{id}/sheets/first/submit"), &token, &sheet)
                .await?;
            let read = self.c.get(&format!("/applications/{id}/sheets/first"), &token).await?;
            let after = self.c.get(&format!("/applications/{id}/sheets/first"), &staff).await?.body;
            let both_refused =
                answer.is_problem() && read.status == answer.status && read.is_problem();
            self.note_rejection(&input, answer.status, both_refused, &before, &after);
        }
        Ok(())
    }
}
