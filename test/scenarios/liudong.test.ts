/**
 * 柳东新区: the README's walkthrough, step by step — a bad rating on the afternoon before National Day
 * 2026, genuine, rectified within 2 working days after the holiday, the evaluator told, the report
 * approved, archived. And an on-site complaint from the hall desk to archived.
 */
import { badRating, caseOf, complete, countyApp, expectArchived, setClock } from './support';

const app = countyApp();

test('a bad rating (README walkthrough): POST /evaluations → callback → rectification after National Day → feedback → report → archived', async () => {
  const api = app().api;
  await setClock(api, '2026-09-30T14:00:00+08:00');
  const caseId = await badRating(api, 'liudong', { caseNo: 'LD-2026-0930-001', unitId: 'ld-scjg', serviceName: '企业设立登记', completedAt: '2026-09-30T09:40:00+08:00', ratedAt: '2026-09-30T13:55:00+08:00' });
  expect(await caseOf(api, 'liudong', caseId)).toMatchObject({ status: 'verifying', kind: 'system-pushed', unit: { id: 'ld-scjg' } });

  await complete(api, caseId, 'callbackVerify', { genuine: true, reason: '窗口人员未一次性告知所需材料', realDemand: '希望当天办结', evidence: '大厅视频 09:10–09:40' });
  const rectify = (await api.get(`/api/v1/tasks?businessKey=${caseId}`)).body.items[0];
  // 2 working days after National Day: Fri 9 October, at the centre's close of business (17:30).
  expect(rectify).toMatchObject({ elementId: 'unitRectify', candidateGroups: ['ld-scjg'], dueAt: '2026-10-09T09:30:00.000Z' });

  await setClock(api, '2026-10-08T10:00:00+08:00');
  await complete(api, caseId, 'unitRectify', { meetingHeld: true, responsiblePerson: '科长 李四', measures: '窗口张贴一次性告知清单', rectified: true, unitLeaderOpinion: '同意' });
  await complete(api, caseId, 'feedbackEvaluator', { satisfied: true, evaluatorOpinion: '认可整改' });
  const open = (await api.get(`/api/v1/tasks?businessKey=${caseId}`)).body.items[0];
  const wrong = await api.post(`/api/v1/tasks/${open.id}/complete`, { variables: { reception: '…' } });
  expect(wrong.status).toBe(400);
  expect(wrong.body.error).toBe('form_invalid');
  await complete(api, caseId, 'writeReport', { staffReception: '未一次性告知所需材料', investigation: '调阅大厅视频，情况属实', measures: '张贴一次性告知清单' });
  await complete(api, caseId, 'leaderReviewReport', { reportApproved: true, leaderOpinion: '同意报送' });
  await complete(api, caseId, 'fileAndReport', { reportSummary: '已整改，评价人满意', inBulletin: true, grave: false });

  await expectArchived(api, 'liudong', caseId);
  const outbox = (await api.get('/api/v1/admin/outbox')).body.items as Array<{ instanceId: string; recipients: string[] }>;
  const instanceId = (await caseOf(api, 'liudong', caseId)).instanceId;
  expect(outbox.filter((o) => o.instanceId === instanceId).some((o) => o.recipients.includes('evaluator'))).toBe(true);
  const stats = (await api.get('/api/v1/counties/liudong/stats')).body;
  expect(stats.badReviews).toMatchObject({ total: 1, revoked: 0, counted: 1 });
});

test('an on-site complaint: POST /complaints → register → hand over → rectify → report approved by the unit head and the leader → feedback → filed → archived', async () => {
  const api = app().api;
  await setClock(api, '2026-09-11T14:50:00+08:00');
  const r = await api.post('/api/v1/counties/liudong/complaints', {
    complainant: { name: '赵六', phone: '13700001234' },
    description: '窗口人员推诿，让我去其他窗口',
    unitId: 'ld-bdcdj',
    options: ['attitude-2'],
  });
  expect(r.status).toBe(201);
  const caseId = r.body.id;
  await complete(api, caseId, 'register', { complaintContent: '窗口人员推诿，让我去其他窗口' });
  await complete(api, caseId, 'assignUnit', { unitId: 'ld-bdcdj', unitName: '柳东新区不动产登记中心', onSpotCheck: false });
  await complete(api, caseId, 'unitRectify', { investigation: '属实', measures: '约谈窗口人员', rectified: true, unitLeaderOpinion: '同意' });
  await complete(api, caseId, 'writeReport', { staffReception: '接待时推诿', investigation: '属实', measures: '约谈、培训' });
  await complete(api, caseId, 'unitHeadApproval', { unitHeadAgreed: true, unitHeadOpinion: '同意' });
  await complete(api, caseId, 'leaderApproval', { reportApproved: true, leaderOpinion: '同意' });
  await complete(api, caseId, 'feedbackEvaluator', { satisfied: true });
  await complete(api, caseId, 'fileCase', { inBulletin: false, grave: false });
  const c = await caseOf(api, 'liudong', caseId);
  expect(c).toMatchObject({ status: 'archived', kind: 'on-site', openTasks: [] });
  expect(c.instance.status).toBe('completed');
});
