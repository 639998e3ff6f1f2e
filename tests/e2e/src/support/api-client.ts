/** A task as GET /tasks/:id shows it (the fields the e2e tests read). */
export interface ApiTask {
  id: string;
  type: string;
  status: string;
  attempt: number;
  maxAttempts: number;
  result: unknown;
  lastError: string | null;
  errors: { attempt: number; at: string; error: string }[];
  deadReason: string | null;
}

/** POST /tasks; throws unless the API answers 201. */
export async function submitTask(apiUrl: string, body: unknown): Promise<ApiTask> {
  const response = await fetch(`${apiUrl}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /tasks answered ${response.status}: ${text}`);
  return JSON.parse(text) as ApiTask;
}

/** GET /tasks/:id. */
export async function getTask(apiUrl: string, id: string): Promise<ApiTask> {
  const response = await fetch(`${apiUrl}/tasks/${encodeURIComponent(id)}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /tasks/${id} answered ${response.status}: ${text}`);
  return JSON.parse(text) as ApiTask;
}
