package bench.hello;

import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;

/** Answers the same POST the gateway's first inference is, with nothing behind it. */
@Path("/endpoints/{name}/invocations")
public class HelloResource {

    @POST
    public String invoke(String body) {
        return "{\"hello\":true}";
    }
}
