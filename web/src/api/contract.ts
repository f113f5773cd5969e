// The API's types, read from the server's own zod schemas (the validators that also write
// /api/openapi.json): a field changed on the server breaks the SPA's typecheck, not a page.
// Type-only imports: nothing of the server reaches the bundle.
import type * as vms from '../../../server/src/modules/vms/vms.schemas';
import type * as credits from '../../../server/src/modules/credits/credits.schemas';
import type * as keypairs from '../../../server/src/modules/keypairs/keypairs.schemas';
import type * as flavors from '../../../server/src/modules/flavors/flavors.schemas';
import type * as templates from '../../../server/src/modules/templates/templates.schemas';
import type * as users from '../../../server/src/modules/users/users.schemas';
import type * as auth from '../../../server/src/modules/auth/auth.schemas';
import type * as audit from '../../../server/src/modules/audit/audit.schemas';
import type * as tokens from '../../../server/src/modules/tokens/tokens.schemas';
import type * as hosts from '../../../server/src/modules/hosts/hosts.schemas';
import type * as networks from '../../../server/src/modules/networks/networks.schemas';
import type * as monitoring from '../../../server/src/modules/monitoring/monitoring.schemas';
import type * as oss from '../../../server/src/modules/oss/oss.schemas';
import type * as tunnels from '../../../server/src/modules/tunnels/tunnels.schemas';
import type * as containers from '../../../server/src/modules/containers/containers.schemas';
import type * as consoles from '../../../server/src/modules/console/console.schemas';
import type * as volumes from '../../../server/src/modules/volumes/volumes.schemas';
import type * as images from '../../../server/src/modules/images/images.schemas';
import type * as trials from '../../../server/src/modules/trials/trials.schemas';
import type * as notifications from '../../../server/src/modules/notifications/notifications.schemas';
import type * as overview from '../../../server/src/modules/overview/overview.schemas';
import type * as findings from '../../../server/src/modules/vms/findings.schemas';
import type { ErrorBody as ServerErrorBody, ErrorCode, ValidationIssue as ServerValidationIssue } from '../../../server/src/platform/errors';

/** What a zod schema parses to (its output type), without importing zod into the SPA. */
type Infer<S> = S extends { _output: infer O } ? O : never;
/** What a request body may say (defaults still optional): the schema's input type. */
type Input<S> = S extends { _input: infer I } ? I : never;

// VMs, their operations, snapshots and the quota they are sized against.
export type Vm = Infer<typeof vms.Vm>;
export type VmList = Infer<typeof vms.VmList>;
export type VmResponse = Infer<typeof vms.VmResponse>;
export type VmPowerAction = Infer<typeof vms.VmAction>;
export type VmActionBody = Input<typeof vms.VmActionBody>;
export type CreateVmBody = Input<typeof vms.CreateVmBody>;
export type ResizeVmBody = Input<typeof vms.ResizeVmBody>;
export type DeleteVmQuery = Input<typeof vms.DeleteVmQuery>;
/** The answer to every VM mutation (202): the VM as it is now and the operation that carries on. */
export type VmAccepted = Infer<typeof vms.VmAccepted>;
export type VmSnapshotList = Infer<typeof vms.SnapshotList>;
/** A snapshot of a VM, with the size it was taken at (a revert needs it) and what it is charged. */
export type VmSnapshot = VmSnapshotList['items'][number];
export type CreateSnapshotBody = Input<typeof vms.CreateSnapshotBody>;
export type Operation = Infer<typeof vms.Operation>;
export type OperationStep = Infer<typeof vms.Step>;
export type OperationList = Infer<typeof vms.OperationList>;
export type OperationResponse = Infer<typeof vms.OperationResponse>;
export type ActivityQuery = Input<typeof vms.ActivityQuery>;
export type ActivityItem = Infer<typeof vms.ActivityItem>;
export type ActivityPage = Infer<typeof vms.ActivityPage>;
export type AdminVm = Infer<typeof vms.AdminVm>;
export type AdminVmDetail = Infer<typeof vms.AdminVmDetail>;
/** GET /api/quota: limits, usage, headroom, the price list and the balance. */
export type QuotaSummary = Infer<typeof vms.QuotaOverview>;
export type Pricing = Infer<typeof vms.Pricing>;
/** What reconciliation found; its kind is open (domain-missing, unknown-volume, container-missing ...). */
export type Finding = Infer<typeof findings.Finding>;
export type ReconcileResult = Infer<typeof findings.ReconcileResult>;

// Key pairs and sizes.
export type SshKey = Infer<typeof keypairs.SshKey>;
export type SshKeyList = Infer<typeof keypairs.SshKeyList>;
export type SshKeyResponse = Infer<typeof keypairs.SshKeyResponse>;
export type CreateKeyBody = Input<typeof keypairs.CreateKeyBody>;
export type Flavor = Infer<typeof flavors.Flavor>;
export type FlavorList = Infer<typeof flavors.FlavorList>;
export type FlavorResponse = Infer<typeof flavors.FlavorResponse>;
export type FlavorBody = Input<typeof flavors.FlavorBody>;

// Templates and the images on the hosts.
export type Template = Infer<typeof templates.Template>;
export type TemplateList = Infer<typeof templates.TemplateList>;
export type AdminTemplate = Infer<typeof templates.AdminTemplate>;
export type AdminTemplateList = Infer<typeof templates.AdminTemplateList>;
export type AdminTemplateResponse = Infer<typeof templates.AdminTemplateResponse>;
export type ImageCheck = Infer<typeof templates.ImageCheck>;
export type ImageCheckResult = Infer<typeof templates.ImageCheckResult>;
export type ImageCheckQuery = Input<typeof templates.ImageCheckQuery>;
export type FailingCreates = Infer<typeof templates.FailingCreates>;
export type HostImages = Infer<typeof templates.HostImages>;
export type HostImagesQuery = Input<typeof templates.HostImagesQuery>;
export type HostImage = HostImages['items'][number];
export type ZoneList = Infer<typeof templates.ZoneList>;
export type TemplateZone = ZoneList['items'][number];
export type CreateTemplateBody = Input<typeof templates.CreateTemplateBody>;
export type TemplatePatch = Input<typeof templates.UpdateTemplateBody>;

// People: the signed-in user, admins' user pages, quotas, credits.
export type Me = Infer<typeof users.Me>;
export type MeResponse = Infer<typeof users.MeResponse>;
export type QuotaFigures = Infer<typeof users.QuotaNumbers>;
export type UserQuota = Infer<typeof users.QuotaView>;
export type QuotaResponse = Infer<typeof users.QuotaResponse>;
export type QuotaLimitsPatch = Input<typeof users.UpdateQuotaBody>;
export type AdminUser = Infer<typeof users.AdminUser>;
export type AdminUserResponse = Infer<typeof users.AdminUserResponse>;
export type AdminUserPatch = Input<typeof users.UpdateUserBody>;
export type AdminUserQuery = Input<typeof users.ListUsersQuery>;
export type UserPage = Infer<typeof users.UserPage>;
export type ExtendTrialBody = Input<typeof users.ExtendTrialBody>;
export type AdjustCreditsBody = Input<typeof users.AdjustCreditsBody>;
export type UserOverview = Infer<typeof users.UserOverview>;
export type UserSession = Infer<typeof users.UserSession>;
export type SignedOut = Infer<typeof users.SignedOut>;
export type CreditEntry = Infer<typeof credits.CreditEntry>;
export type CreditPage = Infer<typeof credits.CreditPage>;
export type CreditLedger = CreditPage;
export type PageQuery = Input<typeof credits.CreditsQuery>;

// Signing in and the account's own security.
export type SignupBody = Input<typeof auth.SignupBody>;
export type LoginBody = Input<typeof auth.LoginBody>;
export type LoginResponse = Infer<typeof auth.LoginResponse>;
export type TwoFactorChallenge = Infer<typeof auth.TwoFactorChallenge>;
export type TwoFactorLoginBody = Input<typeof auth.TwoFactorLoginBody>;
export type AuthOptions = Infer<typeof auth.AuthOptions>;
export type ForgotPasswordBody = Input<typeof auth.ForgotPasswordBody>;
export type LinkBody = Input<typeof auth.LinkBody>;
export type ResetLinkInfo = Infer<typeof auth.ResetLinkInfo>;
export type ResetPasswordBody = Input<typeof auth.ResetPasswordBody>;
export type EmailResponse = Infer<typeof auth.EmailResponse>;
export type ChangePasswordBody = Input<typeof auth.ChangePasswordBody>;
export type ChangePasswordResponse = Infer<typeof auth.ChangePasswordResponse>;
export type Security = Infer<typeof auth.Security>;
export type PasswordProofBody = Input<typeof auth.PasswordProofBody>;
export type TotpEnrolment = Infer<typeof auth.TotpEnrolment>;
export type ConfirmTotpBody = Input<typeof auth.ConfirmTotpBody>;
export type PasswordAndCodeBody = Input<typeof auth.PasswordAndCodeBody>;
export type RecoveryCodes = Infer<typeof auth.RecoveryCodes>;
export type ResetLinkResult = Infer<typeof auth.ResetLinkResult>;

// The audit log and API tokens.
export type AuditEntry = Infer<typeof audit.AuditEntry>;
export type AuditQuery = Input<typeof audit.AuditQuery>;
export type AuditPage = Infer<typeof audit.AuditPage>;
export type CreateTokenBody = Input<typeof tokens.CreateTokenBody>;
export type ApiToken = Infer<typeof tokens.Token>;
export type TokenList = Infer<typeof tokens.TokenList>;
export type CreatedToken = Infer<typeof tokens.CreatedToken>;

// Hosts.
export type Host = Infer<typeof hosts.Host>;
export type HostList = Infer<typeof hosts.HostList>;
export type HostResponse = Infer<typeof hosts.HostResponse>;
export type HostCapacity = Host['capacity'];
export type HostVersions = Host['versions'];
export type HostServices = NonNullable<Host['services']>;
export type PlatformSshKey = Infer<typeof hosts.SshKeyResponse>;
export type CreateHostBody = Input<typeof hosts.RegisterHostBody>;
export type HostPatch = Input<typeof hosts.UpdateHostBody>;

// Private networks (OVN).
export type Network = Infer<typeof networks.Network>;
export type NetworkDetail = Infer<typeof networks.NetworkDetail>;
export type NetworkResponse = Infer<typeof networks.NetworkResponse>;
export type NetworkList = Infer<typeof networks.NetworkList>;
export type NetworkAccepted = Infer<typeof networks.NetworkAccepted>;
/** A VM's NIC or a container's (the other pair is null). */
export type NetworkPort = Infer<typeof networks.NetworkPort>;
export type NetworkRule = Infer<typeof networks.Rule>;
export type RuleAdded = Infer<typeof networks.RuleAdded>;
export type RuleRemoved = Infer<typeof networks.RuleRemoved>;
export type CreateNetworkBody = Input<typeof networks.CreateNetworkBody>;
export type CreateRuleBody = Input<typeof networks.CreateRuleBody>;
export type AttachNicBody = Input<typeof networks.AttachNicBody>;
export type VmNic = Infer<typeof networks.VmNic>;
export type VmNicList = Infer<typeof networks.VmNicList>;
export type AdminNetwork = Infer<typeof networks.AdminNetwork>;
export type AdminNetworkList = Infer<typeof networks.AdminNetworkList>;

// Monitoring: charts, the admin's levels and alerts, the SPA's RUM beacons.
export type ChartRange = Infer<typeof monitoring.ChartRange>;
export type VmChartKind = Infer<typeof monitoring.VmChartKind>;
export type Chart = Infer<typeof monitoring.Chart>;
export type ChartSeries = Infer<typeof monitoring.Series>;
export type ChartAnswer = Infer<typeof monitoring.ChartResponse>;
export type MonitoringLevel = Infer<typeof monitoring.MonitoringLevel>;
export type LevelView = Infer<typeof monitoring.LevelView>;
export type MonitoringTable = Infer<typeof monitoring.Table>;
export type Alert = Infer<typeof monitoring.Alert>;
export type AlertList = Infer<typeof monitoring.AlertList>;
export type AlertQuery = Input<typeof monitoring.AlertListQuery>;
export type RumEvent = Input<typeof monitoring.RumEvent>;

// Object storage: buckets, objects, presigned uploads, S3 access keys.
export type Bucket = Infer<typeof oss.Bucket>;
export type BucketList = Infer<typeof oss.BucketList>;
export type BucketResponse = Infer<typeof oss.BucketResponse>;
export type StoredObject = Infer<typeof oss.ObjectEntry>;
export type ObjectListing = Infer<typeof oss.ObjectListing>;
export type ListObjectsQuery = Input<typeof oss.ListObjectsQuery>;
export type ObjectQuota = Infer<typeof oss.ObjectQuotaView>;
export type ObjectQuotaResponse = Infer<typeof oss.ObjectQuotaResponse>;
export type ObjectQuotaPatch = Input<typeof oss.UpdateObjectQuotaBody>;
export type Upload = Infer<typeof oss.Upload>;
export type BeginUploadBody = Input<typeof oss.BeginUploadBody>;
export type BeganUpload = Infer<typeof oss.BeganUpload>;
export type UploadStatus = Infer<typeof oss.UploadStatus>;
export type PresignedPart = Infer<typeof oss.PresignedPart>;
export type PresignedParts = Infer<typeof oss.PresignedParts>;
export type CompletedUpload = Infer<typeof oss.CompletedUpload>;
export type DownloadUrl = Infer<typeof oss.DownloadUrl>;
export type DeleteObjectsBody = Input<typeof oss.DeleteObjectsBody>;
export type DeletedObjects = Infer<typeof oss.DeletedObjects>;
export type RenameObjectBody = Input<typeof oss.RenameObjectBody>;
export type RenamedObjects = Infer<typeof oss.RenamedObjects>;
export type CreateFolderBody = Input<typeof oss.CreateFolderBody>;
export type S3AccessKey = Infer<typeof oss.AccessKey>;
export type S3KeyList = Infer<typeof oss.AccessKeyList>;
export type CreatedS3Key = Infer<typeof oss.CreatedAccessKey>;

// Tunnels: ports, names and forwards, the gateway, tunnel keys, the admin's quota.
export type Tunnel = Infer<typeof tunnels.TunnelDto>;
export type TunnelList = Infer<typeof tunnels.TunnelList>;
export type AdminTunnelList = Infer<typeof tunnels.AdminTunnelList>;
export type AdminTunnelQuery = Input<typeof tunnels.AdminTunnelQuery>;
export type CreateTunnelBody = Input<typeof tunnels.CreateTunnelBody>;
export type TunnelGateway = Infer<typeof tunnels.GatewayInfo>;
export type TunnelKey = Infer<typeof tunnels.TunnelKeyDto>;
export type TunnelKeyList = Infer<typeof tunnels.TunnelKeyList>;
export type TunnelKeyBody = Input<typeof tunnels.TunnelKeyBody>;
export type TunnelQuota = Infer<typeof tunnels.TunnelQuota>;
export type TunnelQuotaBody = Input<typeof tunnels.TunnelQuotaBody>;

// Containers and their images (container templates).
export type Container = Infer<typeof containers.Container>;
export type ContainerAction = Infer<typeof containers.ContainerAction>;
export type ContainerResponse = Infer<typeof containers.ContainerResponse>;
export type ContainerList = Infer<typeof containers.ContainerList>;
export type ContainerAccepted = Infer<typeof containers.ContainerAccepted>;
export type CreateContainerBody = Input<typeof containers.CreateContainerBody>;
export type ContainerLogs = Infer<typeof containers.ContainerLogs>;
export type ContainerLogsQuery = Input<typeof containers.LogsQuery>;
export type ContainerStats = Infer<typeof containers.ContainerStats>;
export type StreamTicket = Infer<typeof containers.StreamTicket>;
export type ContainerTemplate = Infer<typeof containers.ContainerTemplate>;
export type ContainerTemplateList = Infer<typeof containers.ContainerTemplateList>;
export type ContainerTemplateResponse = Infer<typeof containers.ContainerTemplateResponse>;
export type ContainerTemplateCreated = Infer<typeof containers.ContainerTemplateCreated>;
export type CreateContainerTemplateBody = Input<typeof containers.CreateContainerTemplateBody>;
export type ContainerTemplatePatch = Input<typeof containers.UpdateContainerTemplateBody>;
export type AdminContainer = Infer<typeof containers.AdminContainer>;
export type AdminContainerList = Infer<typeof containers.AdminContainerList>;
export type AdminContainerQuery = Input<typeof containers.AdminContainerQuery>;

// A VM's console and serial log.
export type ConsoleTicket = Infer<typeof consoles.ConsoleTicket>;
export type SerialLog = Infer<typeof consoles.SerialLog>;
export type SerialLogQuery = Input<typeof consoles.SerialLogQuery>;

// Volumes and the admins' storage pools.
export type Volume = Infer<typeof volumes.Volume>;
export type VolumeList = Infer<typeof volumes.VolumeList>;
export type VolumeListQuery = Input<typeof volumes.VolumeListQuery>;
export type VolumeAccepted = Infer<typeof volumes.VolumeAccepted>;
export type CreateVolumeBody = Input<typeof volumes.CreateVolumeBody>;
export type ResizeVolumeBody = Input<typeof volumes.ResizeVolumeBody>;
export type AttachVolumeBody = Input<typeof volumes.AttachVolumeBody>;
export type CreateVolumeSnapshotBody = Input<typeof volumes.CreateVolumeSnapshotBody>;
export type VolumeSnapshotList = Infer<typeof volumes.VolumeSnapshotList>;
export type VolumeSnapshot = VolumeSnapshotList['items'][number];
export type StoragePool = Infer<typeof volumes.StoragePool>;
export type PoolList = Infer<typeof volumes.PoolList>;
export type PoolResponse = Infer<typeof volumes.PoolResponse>;
export type CreatePoolBody = Input<typeof volumes.CreatePoolBody>;
export type UpdatePoolBody = Input<typeof volumes.UpdatePoolBody>;

// Images: an uploaded qcow2/ISO turned into a template.
export type Image = Infer<typeof images.Image>;
export type ImageList = Infer<typeof images.ImageList>;
export type CreateImageBody = Input<typeof images.CreateImageBody>;
export type BeganImage = Infer<typeof images.BeganImage>;
export type CompletedImageUpload = Infer<typeof images.CompletedImageUpload>;

// The trial ladder.
export type TrialView = Infer<typeof trials.TrialView>;
export type TrialResponse = Infer<typeof trials.TrialResponse>;

// The bell.
export type AppNotification = Infer<typeof notifications.Notification>;
export type NotificationList = Infer<typeof notifications.NotificationList>;
export type NotificationListQuery = Input<typeof notifications.NotificationListQuery>;
export type UnreadCount = Infer<typeof notifications.UnreadCount>;
/** The stream's change event: one of the person's resources changed. */
export type ResourceChange = Infer<typeof notifications.ResourceChange>;

// The admin's platform overview, a host's instances, the zone -> host -> instance tree.
export type AdminOverview = Infer<typeof overview.AdminOverview>;
export type HostLoadSummary = Infer<typeof overview.HostLoadSummary>;
export type FailedOperation = Infer<typeof overview.FailedOperation>;
export type HostInstances = Infer<typeof overview.HostInstances>;
export type ResourceTree = Infer<typeof overview.ResourceTree>;

/** Every code an error answer may carry, from platform/errors.ts. */
export type ServerErrorCode = ErrorCode;
/** The one error shape: {"error":{"code","message","details"}}. */
export type ErrorBody = ServerErrorBody;
/** One refused field of a VALIDATION_FAILED answer (its details.issues). */
export type ValidationIssue = ServerValidationIssue;
