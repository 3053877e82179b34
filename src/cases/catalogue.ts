/**
 * The fixed vocabularies of a rating (seeds 000–004): the five levels, the channels (national codes 1–7
 * plus the 12345 hotline and the paper form) and the bad-review checklist of 附件1 with stable codes.
 * Codes are part of the API and of the process variables: never renumber them.
 */

export const LEVEL_NAMES: Record<number, string> = {
  5: '非常满意',
  4: '满意',
  3: '基本满意',
  2: '不满意',
  1: '非常不满意',
};

/** 1 and 2 (不满意, 非常不满意) are bad reviews (差评). */
export const isBad = (level: number): boolean => level <= 2;

/** The level given as 1–5 (number or digit text) or as its Chinese name; undefined when it is neither. */
export function parseLevel(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5) return value;
  if (typeof value === 'string') {
    const t = value.trim();
    if (/^[1-5]$/.test(t)) return Number(t);
    for (const [n, name] of Object.entries(LEVEL_NAMES)) if (name === t) return Number(n);
  }
  return undefined;
}

/** The system default channel: only the 7-day default job rates through it. */
export const SYSTEM_CHANNEL = '7';

export const CHANNELS: Record<string, string> = {
  '1': 'PC端（网站）',
  '2': '移动端（APP、小程序）',
  '3': '二维码',
  '4': '政务大厅评价器',
  '5': '大厅其他终端（自助机等）',
  '6': '短信',
  '7': '系统默认评价',
  '12345': '12345热线',
  paper: '纸质评价表',
};

export function parseChannel(value: unknown): string | undefined {
  const t = typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  return t !== undefined && Object.prototype.hasOwnProperty.call(CHANNELS, t) ? t : undefined;
}

export type OptionCategory = 'attitude' | 'quality' | 'efficiency' | 'environment' | 'other';

export const CATEGORY_NAMES: Record<OptionCategory, string> = {
  attitude: '服务态度',
  quality: '服务质量',
  efficiency: '服务效率',
  environment: '服务环境',
  other: '其他',
};

/** 附件1 of seeds 000 and 001, item by item. */
export const OPTIONS: Record<string, string> = {
  'attitude-1': '不一次性告知',
  'attitude-2': '工作人员推诿扯皮',
  'attitude-3': '工作人员服务态度生硬',
  'quality-1': '不能跑一个大厅办完',
  'quality-2': '服务指南看不懂、有错误、无样本、少清单',
  'quality-3': '申请材料繁琐，同样材料多次提交',
  'quality-4': '办事环节繁多、程序复杂',
  'quality-5': '多头跑窗口和部门，跑动次数与承诺的不一致',
  'quality-6': '承诺网办但无法在线办理',
  'quality-7': '服务收费不透明不合理',
  'quality-8': '在办事指南之外增加新的审批条件',
  'efficiency-1': '咨询不方便、回复不及时',
  'efficiency-2': '网上申请不便捷',
  'efficiency-3': '排队等候时间长、重复取号排队',
  'efficiency-4': '工作人员业务不熟练',
  'efficiency-5': '未在承诺时限内办结',
  'environment-1': '服务导询不到位',
  'environment-2': '服务标识不清晰',
  'environment-3': '窗口分区不合理',
  'environment-4': '服务网络（系统）不稳定',
  'environment-5': '服务设施设备不便民',
  other: '其他（自填）',
};

export function optionCategory(code: string): OptionCategory {
  return code.split('-')[0] as OptionCategory;
}

/** The whole catalogue, as GET /api/v1/evaluations/catalogue answers it (for forms and gateways). */
export function catalogue() {
  return {
    levels: Object.entries(LEVEL_NAMES)
      .map(([value, name]) => ({ value: Number(value), name, bad: isBad(Number(value)) }))
      .sort((a, b) => b.value - a.value),
    channels: Object.entries(CHANNELS).map(([code, name]) => ({ code, name, systemOnly: code === SYSTEM_CHANNEL })),
    options: Object.entries(OPTIONS).map(([code, label]) => ({ code, category: optionCategory(code), categoryName: CATEGORY_NAMES[optionCategory(code)], label, needsText: code === 'other' })),
  };
}
