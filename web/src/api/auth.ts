import { api, type RequestOptions } from './client';
import type { LoginBody, Me, SignupBody } from './types';

export async function signup(body: SignupBody, options?: RequestOptions): Promise<Me> {
  const { user } = await api.post<{ user: Me }>('/api/auth/signup', body, options);
  return user;
}

export async function login(body: LoginBody, options?: RequestOptions): Promise<Me> {
  const { user } = await api.post<{ user: Me }>('/api/auth/login', body, options);
  return user;
}

export async function logout(options?: RequestOptions): Promise<void> {
  await api.post<unknown>('/api/auth/logout', undefined, options);
}
