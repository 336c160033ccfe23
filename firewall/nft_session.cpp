#include "firewall/nft_session.hpp"

#include <nftables/libnftables.h>

#include <memory>

namespace spice_connect::firewall {

NftResult run_nft(const std::string& commands) {
    NftResult r;
    std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx(nft_ctx_new(NFT_CTX_DEFAULT), nft_ctx_free);
    if (!ctx) {
        r.error = "cannot create an nftables context";
        return r;
    }
    nft_ctx_buffer_output(ctx.get());
    nft_ctx_buffer_error(ctx.get());
    r.ok = nft_run_cmd_from_buffer(ctx.get(), commands.c_str()) == 0;
    if (const char* out = nft_ctx_get_output_buffer(ctx.get())) r.output = out;
    if (const char* err = nft_ctx_get_error_buffer(ctx.get())) r.error = err;
    return r;
}

}  // namespace spice_connect::firewall
