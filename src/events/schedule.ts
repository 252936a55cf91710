/**
 * Validation of ScheduleExpression (`rate(5 minutes)`, `cron(0 12 * * ? *)`) as PutRule checks it. Rules keep the
 * expression; firing schedules is the scheduler's job (a later issue).
 */
import { ServiceError } from '../errors.js';

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
// Six fields: minutes hours day-of-month month day-of-week year; one of day-of-month / day-of-week must be '?'.
const CRON = /^cron\(([^ ]+) ([^ ]+) ([^ ]+) ([^ ]+) ([^ ]+) ([^ ]+)\)$/;

export function validateScheduleExpression(expression: string): void {
  const invalid = () => new ServiceError('ValidationException', 'Parameter ScheduleExpression is not valid.');
  const rate = RATE.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const singular = !rate[2]!.endsWith('s');
    // AWS requires the singular unit for 1 and the plural otherwise.
    if (n < 1 || (n === 1) !== singular) throw invalid();
    return;
  }
  const cron = CRON.exec(expression);
  if (!cron) throw invalid();
  const [, minutes, hours, dom, month, dow, year] = cron as unknown as string[];
  const field = /^[0-9A-Za-z*?,\-/#LW]+$/;
  if (![minutes, hours, dom, month, dow, year].every((f) => field.test(f!))) throw invalid();
  if ((dom === '?') === (dow === '?')) throw invalid();
}
