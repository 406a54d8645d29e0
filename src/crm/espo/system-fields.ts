/**
 * Fields EspoCRM manages itself: setting them from Slack would at best be ignored, at worst
 * retarget a write, and they are no condition an alert can wait for.
 */
export const SYSTEM_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'deleted',
  'createdAt',
  'modifiedAt',
  'createdById',
  'modifiedById',
  'versionNumber',
]);
