/** The pure calendar code: Shanghai civil dates, working-day calendars, deadline expressions. */
export * from './working-calendar';
export * from './deadline';
export { formatShanghai, formatShanghaiMinute, parseDayOrInstant, parseInstant, shanghaiDate, shanghaiInstant } from './civil-date';
