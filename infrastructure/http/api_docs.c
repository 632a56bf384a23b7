/*
 * Static documentation files of the API, held in memory: a fixed table of
 * the files each viewer needs (nothing else under the directory is ever
 * served, so a request cannot name its way out of it), loaded once at start
 * and answered without a copy, with an ETag and Cache-Control.
 */
#include "infrastructure/http/api_docs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "infrastructure/config/conf_file.h"

#define DOCS_FILE_MAX (8u << 20) /* the largest viewer bundle is under 2 MiB */

/* The page and the document change with the build: revalidate each time.
 * Assets are revalidated hourly (their URLs carry no version). */
#define CACHE_PAGE  "no-cache"
#define CACHE_ASSET "public, max-age=3600"

#define TYPE_HTML "text/html; charset=utf-8"

/* The pages load everything from this API: the browser refuses anything
 * else (ReDoc's footer logo points at a CDN, for one). Both viewers style
 * with inline styles; ReDoc's search runs in a blob: worker. */
#define PAGE_CSP                                                                                   \
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                \
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "                        \
	"worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
#define TYPE_JS	 "text/javascript; charset=utf-8"
#define TYPE_CSS "text/css; charset=utf-8"

struct docs_file {
	const char *viewer; /* "openapi", "swagger" or "redoc" */
	const char *asset;  /* the URL's last segment; "" = the viewer's page */
	const char *path;   /* under the documentation directory */
	const char *type;
	const char *cache;
	char *body; /* NULL until loaded */
	size_t len;
	char etag[20]; /* "\"" 16 hex "\"" */
};

static struct docs_file files[] = {
    {"openapi", "", "openapi.json", "application/json", CACHE_PAGE, NULL, 0, ""},
    {"swagger", "", "swagger/index.html", TYPE_HTML, CACHE_PAGE, NULL, 0, ""},
    {"swagger", "swagger-init.js", "swagger/swagger-init.js", TYPE_JS, CACHE_PAGE, NULL, 0, ""},
    {"swagger", "swagger-ui.css", "swagger/swagger-ui.css", TYPE_CSS, CACHE_ASSET, NULL, 0, ""},
    {"swagger", "swagger-ui-bundle.js", "swagger/swagger-ui-bundle.js", TYPE_JS, CACHE_ASSET, NULL,
     0, ""},
    {"swagger", "favicon-32x32.png", "swagger/favicon-32x32.png", "image/png", CACHE_ASSET, NULL, 0,
     ""},
    {"redoc", "", "redoc/index.html", TYPE_HTML, CACHE_PAGE, NULL, 0, ""},
    {"redoc", "redoc.standalone.js", "redoc/redoc.standalone.js", TYPE_JS, CACHE_ASSET, NULL, 0,
     ""},
};
#define FILE_COUNT (sizeof(files) / sizeof(files[0]))

/* FNV-1a 64: a strong enough validator for files that change only with a
 * new build. */
static void make_etag(struct docs_file *f)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < f->len; i++) {
		h ^= (unsigned char)f->body[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(f->etag, sizeof(f->etag), "\"%016llx\"", (unsigned long long)h);
}

/* Reads dir/f->path into f->body (NUL-terminated for the logs' sake). */
static enum os_status load_file(const char *dir, struct docs_file *f, struct os_error *err)
{
	char path[4096];
	enum os_status st;
	size_t len = 0;
	char *buf = NULL;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, f->path) >= sizeof(path))
		return os_fail(err, OS_EINVAL, "DOCS_DIR", "documentation path too long");
	st = conf_file_read(path, DOCS_FILE_MAX, "DOCS_DIR", &buf, &len, err);
	if (st != OS_OK)
		return st;
	if (len == 0) {
		free(buf);
		return os_fail(err, OS_EIO, "DOCS_DIR", "DOCS_DIR: %.200s: empty", path);
	}
	f->body = buf;
	f->len = len;
	make_etag(f);
	return OS_OK;
}

enum os_status api_docs_load(const char *dir, struct os_error *err)
{
	enum os_status first = OS_OK, st;
	struct os_error one;
	size_t i;

	for (i = 0; i < FILE_COUNT; i++) {
		if (files[i].body != NULL)
			continue;
		os_error_clear(&one);
		st = load_file(dir, &files[i], &one);
		if (st != OS_OK && first == OS_OK) {
			first = st;
			if (err != NULL)
				*err = one;
		}
	}
	return first;
}

void api_docs_release(void)
{
	size_t i;

	for (i = 0; i < FILE_COUNT; i++) {
		free(files[i].body);
		files[i].body = NULL;
		files[i].len = 0;
	}
}

static bool has_openapi(const char *dir)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/openapi.json", dir) >= sizeof(path))
		return false;
	return access(path, R_OK) == 0;
}

const char *api_docs_find_dir(char *out, size_t cap)
{
	const char *env = getenv("DOCS_DIR");
	char exe[4096];
	ssize_t n;
	char *slash;

	if (env != NULL && env[0] != '\0') {
		if ((size_t)snprintf(out, cap, "%s", env) >= cap)
			return NULL;
		return out;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	if ((size_t)snprintf(out, cap, "%s/docs", exe) < cap && has_openapi(out))
		return out;
	if ((size_t)snprintf(out, cap, "%s/../share/order-service/docs", exe) < cap &&
	    has_openapi(out))
		return out;
	return NULL;
}

/* ------------------------------------------------------------- handlers */

static bool etag_matches(struct api_call *c, const struct docs_file *f)
{
	size_t len = 0;
	const char *v = api_call_header(c, "if-none-match", &len);
	size_t elen = strlen(f->etag);
	size_t i;

	if (v == NULL)
		return false;
	/* A list of validators: look for ours among them. */
	for (i = 0; i + elen <= len; i++)
		if (memcmp(v + i, f->etag, elen) == 0)
			return true;
	return false;
}

static void serve(struct api_call *c, const char *viewer, const char *asset, size_t asset_len)
{
	struct docs_file *f;
	size_t i;

	for (i = 0; i < FILE_COUNT; i++) {
		f = &files[i];
		if (strcmp(f->viewer, viewer) != 0 || strlen(f->asset) != asset_len ||
		    memcmp(f->asset, asset, asset_len) != 0)
			continue;
		if (f->body == NULL) {
			api_reply_error(c, 503, "the documentation is not installed", NULL,
					"see DOCS_DIR");
			return;
		}
		api_add_header(c, "etag", f->etag, strlen(f->etag));
		api_add_header(c, "x-content-type-options", "nosniff", 7);
		if (strcmp(f->type, TYPE_HTML) == 0)
			api_add_header(c, "content-security-policy", PAGE_CSP, strlen(PAGE_CSP));
		if (etag_matches(c, f)) {
			api_reply_static(c, 304, "", 0, f->type, f->cache);
			return;
		}
		api_reply_static(c, 200, f->body, f->len, f->type, f->cache);
		return;
	}
	api_reply_error(c, 404, "no such file", "asset", NULL);
}

void api_docs_openapi(struct api_call *c)
{
	serve(c, "openapi", "", 0);
}

void api_docs_swagger(struct api_call *c)
{
	serve(c, "swagger", "", 0);
}

void api_docs_swagger_asset(struct api_call *c)
{
	serve(c, "swagger", c->params[0].s, c->params[0].len);
}

void api_docs_redoc(struct api_call *c)
{
	serve(c, "redoc", "", 0);
}

void api_docs_redoc_asset(struct api_call *c)
{
	serve(c, "redoc", c->params[0].s, c->params[0].len);
}
