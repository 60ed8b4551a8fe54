import { z } from 'zod';
import { edgeJobIdSchema } from '../../shared/index.ts';

/** A job queue message: just the job's id; the job object holds everything else. */
export const jobMessageSchema = z.object({ job_id: edgeJobIdSchema });

/** One message on the job queue. */
export type JobMessage = z.infer<typeof jobMessageSchema>;
