import { createApp, watch } from 'vue';
import { createPinia } from 'pinia';
import ElementPlus, { ElMessage } from 'element-plus';
import 'element-plus/dist/index.css';
import './styles.css';
import './styles/shared.css';
import App from './App.vue';
import { setUnauthenticatedHandler } from '@/api/client';
import { i18n } from '@/i18n';
import { applyDocumentLocale } from '@/composables/use-locale';
import { router, updateDocumentTitle } from '@/router';
import { useSessionStore } from '@/stores/session';
import { installRum } from '@/rum';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia).use(i18n).use(router).use(ElementPlus);

applyDocumentLocale(i18n.global.locale.value);
watch(i18n.global.locale, updateDocumentTitle);

// Any call answered 401 UNAUTHENTICATED means the session is gone (expired, revoked,
// account disabled): forget the user and, on a protected page, go to login and come back.
setUnauthenticatedHandler(() => {
  const session = useSessionStore(pinia);
  const wasLoggedIn = session.isAuthenticated;
  session.clear();
  const current = router.currentRoute.value;
  if (current.matched.length === 0 || current.meta.public) return;
  if (wasLoggedIn) ElMessage.warning({ message: i18n.global.t('auth.login.sessionExpired'), grouping: true });
  void router.replace({ name: 'login', query: { redirect: current.fullPath } });
});

installRum(app, router);
app.mount('#app');
