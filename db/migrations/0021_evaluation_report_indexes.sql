-- The evaluations report (report_evaluations(), db/functions/66_evaluation_reports.sql) reads
-- a province's year from indexes alone: 7,350 members' ratings and the 52,000 activities that
-- say who worked. Measured on the demo province, 2 shared cores: 87 ms a report without them,
-- 75 ms with them (once the pages are all-visible: seed-demo vacuums, autovacuum does later).

-- The members each team's activities of a period name.
CREATE INDEX activities_team_members ON activities (team_id, date) INCLUDE (member_ids);

-- The current finalized evaluations of a period (of one body, or of all), with what the
-- report counts.
CREATE INDEX evaluations_current ON evaluations (subject_type, period, evaluator_body, subject_id)
    INCLUDE (rating, total_score, finalized_at, period_to)
    WHERE status = 'finalized' AND superseded_by IS NULL;

-- The foreign key from superseded_by: deleting an evaluation looks for those it corrected.
CREATE INDEX evaluations_superseded_by ON evaluations (superseded_by)
    WHERE superseded_by IS NOT NULL;
