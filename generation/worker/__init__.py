"""The worker side of a job: the RQ worker class (engine_worker), its RQ entry points (tasks),
queueing, the two stages (stages), liveness and progress (monitoring), the inputs' journey
(job_inputs) and crash recovery (reaper). Imports nothing at package level."""
