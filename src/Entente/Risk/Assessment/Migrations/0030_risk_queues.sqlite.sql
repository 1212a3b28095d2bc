-- The risk desk's queues (the console, issue 18): the newest assessments of one lane, walked by id.
CREATE INDEX risk_assessments_lane ON risk_assessments (lane, id);
