import { ElMessage } from 'element-plus';
import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router';
import { i18n } from '@/i18n';
import { useSessionStore } from '@/stores/session';
import AppLayout from '@/components/AppLayout.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session (login, signup, not found). */
    public?: boolean;
    /** Only for visitors without a session: a logged-in user goes to the dashboard. */
    guestOnly?: boolean;
    requiresAdmin?: boolean;
    /** i18n key of the page title. */
    title?: string;
    /** Sidebar entry to highlight, when it is not the page's own path (a detail page). */
    menu?: string;
  }
}

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    {
      path: '/login',
      name: 'login',
      component: () => import('@/views/LoginView.vue'),
      meta: { public: true, guestOnly: true, title: 'auth.login.title' },
    },
    {
      path: '/signup',
      name: 'signup',
      component: () => import('@/views/SignupView.vue'),
      meta: { public: true, guestOnly: true, title: 'auth.signup.title' },
    },
    {
      path: '/forgot-password',
      name: 'forgot-password',
      component: () => import('@/views/ForgotPasswordView.vue'),
      meta: { public: true, guestOnly: true, title: 'auth.forgot.title' },
    },
    {
      // Opened from a mailed link (#token=...), signed in or not.
      path: '/reset-password',
      name: 'reset-password',
      component: () => import('@/views/ResetPasswordView.vue'),
      meta: { public: true, title: 'auth.reset.title' },
    },
    {
      path: '/verify-email',
      name: 'verify-email',
      component: () => import('@/views/VerifyEmailView.vue'),
      meta: { public: true, title: 'auth.verify.title' },
    },
    {
      // The console popped out into a window of its own: no navigation around it.
      path: '/vms/:id/console',
      name: 'vm-console',
      component: () => import('@/views/VmConsoleWindowView.vue'),
      props: true,
      meta: { title: 'console.title' },
    },
    {
      path: '/',
      component: AppLayout,
      children: [
        {
          path: '',
          name: 'dashboard',
          component: () => import('@/views/DashboardView.vue'),
          meta: { title: 'dashboard.title' },
        },
        {
          path: 'profile',
          name: 'profile',
          component: () => import('@/views/ProfileView.vue'),
          meta: { title: 'profile.title' },
        },
        {
          path: 'vms',
          name: 'vms',
          component: () => import('@/views/VmsView.vue'),
          meta: { title: 'vms.title' },
        },
        {
          // Before 'vms/:id', so "new" is not taken for an id.
          path: 'vms/new',
          name: 'vm-create',
          component: () => import('@/views/VmCreateView.vue'),
          meta: { title: 'vms.createTitle', menu: '/vms' },
        },
        {
          path: 'vms/:id',
          name: 'vm',
          component: () => import('@/views/VmDetailView.vue'),
          props: true,
          meta: { title: 'vms.detailTitle', menu: '/vms' },
        },
        {
          path: 'containers',
          name: 'containers',
          component: () => import('@/views/ContainersView.vue'),
          meta: { title: 'containers.title' },
        },
        {
          path: 'containers/:id',
          name: 'container',
          component: () => import('@/views/ContainerDetailView.vue'),
          props: true,
          meta: { title: 'containers.detail.title', menu: '/containers' },
        },
        {
          path: 'networks',
          name: 'networks',
          component: () => import('@/views/NetworksView.vue'),
          meta: { title: 'networks.title' },
        },
        {
          path: 'networks/:id',
          name: 'network',
          component: () => import('@/views/NetworkDetailView.vue'),
          props: true,
          meta: { title: 'networks.detailTitle', menu: '/networks' },
        },
        {
          path: 'storage',
          name: 'storage',
          component: () => import('@/views/StorageView.vue'),
          meta: { title: 'storage.title' },
        },
        {
          path: 'storage/:bucket',
          name: 'bucket',
          component: () => import('@/views/BucketView.vue'),
          props: true,
          meta: { title: 'storage.bucketTitle', menu: '/storage' },
        },
        {
          path: 'images',
          name: 'images',
          component: () => import('@/views/ImagesView.vue'),
          meta: { title: 'images.title' },
        },
        {
          path: 'tunnels',
          name: 'tunnels',
          component: () => import('@/views/TunnelsView.vue'),
          meta: { title: 'tunnels.title' },
        },
        {
          path: 'admin/tunnels',
          name: 'admin-tunnels',
          component: () => import('@/views/AdminTunnelsView.vue'),
          meta: { requiresAdmin: true, title: 'adminTunnels.title' },
        },
        {
          path: 'activity',
          name: 'activity',
          component: () => import('@/views/ActivityView.vue'),
          meta: { title: 'activity.title' },
        },
        {
          path: 'admin/users',
          name: 'admin-users',
          component: () => import('@/views/AdminUsersView.vue'),
          meta: { requiresAdmin: true, title: 'adminUsers.title' },
        },
        {
          path: 'admin/users/:id',
          name: 'admin-user',
          component: () => import('@/views/AdminUserDetailView.vue'),
          meta: { requiresAdmin: true, title: 'adminUser.title' },
        },
        {
          path: 'admin/audit',
          name: 'admin-audit',
          component: () => import('@/views/AdminAuditView.vue'),
          meta: { requiresAdmin: true, title: 'audit.title' },
        },
        {
          path: 'admin/hosts',
          name: 'admin-hosts',
          component: () => import('@/views/AdminHostsView.vue'),
          meta: { requiresAdmin: true, title: 'hosts.title' },
        },
        {
          path: 'admin/tree',
          name: 'admin-tree',
          component: () => import('@/views/AdminResourceTreeView.vue'),
          meta: { requiresAdmin: true, title: 'overview.treeTitle' },
        },
        {
          path: 'admin/hosts/:id',
          name: 'admin-host',
          component: () => import('@/views/AdminHostDetailView.vue'),
          props: true,
          meta: { requiresAdmin: true, title: 'hosts.detailTitle', menu: '/admin/hosts' },
        },
        {
          path: 'admin/networks',
          name: 'admin-networks',
          component: () => import('@/views/AdminNetworksView.vue'),
          meta: { requiresAdmin: true, title: 'networks.adminTitle' },
        },
        {
          path: 'admin/vms',
          name: 'admin-vms',
          component: () => import('@/views/AdminVmsView.vue'),
          meta: { requiresAdmin: true, title: 'adminVms.title' },
        },
        {
          path: 'admin/vms/:id',
          name: 'admin-vm',
          component: () => import('@/views/AdminVmDetailView.vue'),
          props: true,
          meta: { requiresAdmin: true, title: 'adminVms.page.title', menu: '/admin/vms' },
        },
        {
          path: 'admin/containers',
          name: 'admin-containers',
          component: () => import('@/views/AdminContainersView.vue'),
          meta: { requiresAdmin: true, title: 'adminContainers.title' },
        },
        {
          path: 'volumes',
          name: 'volumes',
          component: () => import('@/views/VolumesView.vue'),
          meta: { title: 'volumes.title' },
        },
        {
          path: 'admin/storage-pools',
          name: 'admin-storage-pools',
          component: () => import('@/views/AdminStoragePoolsView.vue'),
          meta: { requiresAdmin: true, title: 'pools.title' },
        },
        {
          path: 'admin/findings',
          name: 'admin-findings',
          component: () => import('@/views/AdminFindingsView.vue'),
          meta: { requiresAdmin: true, title: 'findings.title' },
        },
        {
          path: 'admin/monitoring',
          name: 'admin-monitoring',
          component: () => import('@/views/AdminMonitoringView.vue'),
          meta: { requiresAdmin: true, title: 'monitoring.title' },
        },
        {
          path: 'admin/templates',
          name: 'admin-templates',
          component: () => import('@/views/AdminTemplatesView.vue'),
          meta: { requiresAdmin: true, title: 'templates.title' },
        },
      ],
    },
    {
      path: '/:pathMatch(.*)*',
      name: 'not-found',
      component: () => import('@/views/NotFoundView.vue'),
      meta: { public: true, title: 'notFound.title' },
    },
  ],
});

/** The profile page with the two-factor set-up open (admins on a site that requires it). */
export const TWO_FACTOR_SETUP: RouteLocationRaw = { name: 'profile', query: { setup: '2fa' } };

/** A post-login target from ?redirect=, accepted only as a same-origin path. */
export function safeRedirect(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '/';
  return value;
}

router.beforeEach(async (to): Promise<RouteLocationRaw | true> => {
  const session = useSessionStore();
  try {
    await session.ensureLoaded();
  } catch {
    // Server unreachable: continue as a visitor; the login page reports errors on submit.
  }
  if (to.meta.public) {
    return to.meta.guestOnly && session.isAuthenticated ? { name: 'dashboard' } : true;
  }
  if (!session.isAuthenticated) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  }
  if (to.meta.requiresAdmin && !session.isAdmin) {
    // Said, not only done: a student who follows an admin link learns why they landed here.
    ElMessage({ type: 'warning', message: i18n.global.t('errors.ADMIN_ONLY'), grouping: true, showClose: true });
    return { name: 'dashboard' };
  }
  // The server refuses administration until then; the profile page opens the set-up.
  if (to.meta.requiresAdmin && session.mustSetUpTwoFactor) return TWO_FACTOR_SETUP;
  return true;
});

export function updateDocumentTitle(): void {
  const key = router.currentRoute.value.meta.title;
  const appName = i18n.global.t('app.name');
  document.title = key ? `${i18n.global.t(key)} · ${appName}` : appName;
}

router.afterEach(() => updateDocumentTitle());
