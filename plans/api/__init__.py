"""The API for the province's other systems (/api/v1/): Django REST framework views over the
same selectors, filters and services as the pages, personal access tokens, and the OpenAPI
schema with its documentation page (drf-spectacular, assets from drf-spectacular-sidecar)."""
