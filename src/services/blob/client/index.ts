/**
 * A client shaped like @azure/storage-blob 12.32 for what lease code uses, over a transport to the
 * simulated Blob service (../http.ts): lease code written for the SDK runs on it unmodified as long
 * as it asks for what is modelled (anything else is refused by name).
 */
export { BlobServiceClient, ContainerClient } from './container-client.ts';
export {
  BlobClient,
  BlockBlobClient,
  type BlobDeleteIfExistsResponse,
  type BlobDeleteOptions,
  type BlobDeleteResponse,
  type BlobDownloadResponseParsed,
  type BlobGetPropertiesResponse,
  type BlobProperties,
  type BlobReadOptions,
  type BlobUploadBody,
  type BlobUploadCommonResponse,
  type BlockBlobUploadOptions,
  type LeaseDurationType,
  type LeaseStateType,
  type LeaseStatusType,
} from './blob-client.ts';
export { BlobLeaseClient, randomUuid, type Lease, type LeaseOperationOptions, type LeaseOperationResponse } from './blob-lease-client.ts';
export { BlobPipeline, DEFAULT_ACCOUNT_URL, type BlobClientOptions } from './pipeline.ts';
export { AbortError, RestError, isRestError, type RestErrorDetails } from './rest-error.ts';
export { DEFAULT_RETRY_OPTIONS, StorageRetryPolicyType, type StorageRetryOptions } from './retry-policy.ts';
export type { BlobRequestConditions, ModifiedAccessConditions } from './options.ts';
export type { HttpHeadersLike, RawResponse, WithResponse } from './response.ts';
