import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';

/** A schedule's description, or undefined when Temporal has none by that id (any other error is thrown). */
export async function describeScheduleIfAny(temporal: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await temporal.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}
