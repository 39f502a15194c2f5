import { EntityManager } from 'typeorm';

import { JOBS, JobCatalogue, JobName, JobRequest } from './job-catalogue';

/** Records a job in the outbox inside the caller's transaction; the relay hands it to BullMQ. */
export async function enqueueInTransaction<N extends JobName>(
  manager: EntityManager,
  name: N,
  payload: JobCatalogue[N],
): Promise<void> {
  const definition = JOBS[name];
  await manager.query(`INSERT INTO outbox (queue, job_name, job_id, payload) VALUES ($1, $2, $3, $4)`, [
    definition.queue,
    name,
    definition.jobId(payload),
    JSON.stringify(payload),
  ]);
}

/** enqueueInTransaction for a job given as a {name, payload} pair. */
export function enqueueRequestInTransaction<N extends JobName>(
  manager: EntityManager,
  job: JobRequest<N>,
): Promise<void> {
  return enqueueInTransaction(manager, job.name, job.payload);
}
