export * from './calendar';
export * from './deadline';
export { formatShanghai, shanghaiDate, shanghaiInstant } from './civil-date';
