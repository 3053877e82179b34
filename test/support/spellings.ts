/** How people write a phone or an ID number in free text: [as written, the value, its kind]. */
import { residentId } from './intake';

export const ID = residentId('11010519491231002'); // 11010519491231002X
export const ID2 = residentId('45020319751231004');

export const SPELLINGS: Array<[string, string, string]> = [
  ['13812345678', '13812345678', 'mobile'],
  ['138 1234 5678', '13812345678', 'mobile'],
  ['138-1234-5678', '13812345678', 'mobile'],
  ['138.1234.5678', '13812345678', 'mobile'],
  ['１３８１２３４５６７８', '13812345678', 'mobile'],
  ['+86 138 1234 5678', '13812345678', 'mobile'],
  ['+8613812345678', '13812345678', 'mobile'],
  ['0086-138-1234-5678', '13812345678', 'mobile'],
  ['0772-7654321', '07727654321', 'landline'],
  ['(0772)7654321', '07727654321', 'landline'],
  ['010 8765 4321', '01087654321', 'landline'],
  ['＋８６　１３８　１２３４　５６７８', '13812345678', 'mobile'],
  [`${ID.slice(0, 6)} ${ID.slice(6, 14)} ${ID.slice(14)}`, ID, 'idNumber'],
  [`${ID.slice(0, 4)} ${ID.slice(4, 8)} ${ID.slice(8, 12)} ${ID.slice(12, 16)} ${ID.slice(16)}`, ID, 'idNumber'],
  [ID.toLowerCase(), ID, 'idNumber'],
  [ID2.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), ID2, 'idNumber'],
  [`${ID2.slice(0, 6)}-${ID2.slice(6, 14)}-${ID2.slice(14)}`, ID2, 'idNumber'],
];

