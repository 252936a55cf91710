/**
 * Input shapes of names and ARNs shared by the EventBridge operations, with AWS's length limits and patterns.
 */
import { int, str } from '../protocols/shape.js';

export const busName = str({ min: 1, max: 256, pattern: /^[/.\-_A-Za-z0-9]+$/ });
export const busNameOrArn = str({ min: 1, max: 1600, pattern: /^(arn:aws[\w-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/ });
export const ruleName = str({ min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/ });
export const resourceName = str({ min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/ });
export const arn = str({ min: 1, max: 1600 });
export const description = str({ max: 512 });
export const limit = int({ min: 1, max: 100 });
export const nextToken = str({ min: 1, max: 2048 });
export const namePrefix = str({ min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/ });
