package dev.regent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiOptionsTest {

    @Test
    void cache2KeysAndDefaults() {
        ApiSpec.CacheSpec c = ApiOptions.cache2("name=bench,items=100,blocksize=1024,purge_lru=1,lazy,math_initial=-3");
        assertThat(c.name()).isEqualTo("bench");
        assertThat(c.items()).isEqualTo(100);
        assertThat(c.blocksize()).isEqualTo(1024);
        assertThat(c.keysize()).isEqualTo(2048);
        assertThat(c.blocks()).isEqualTo(100);
        assertThat(c.mathInitial()).isEqualTo(-3);
        assertThat(c.flags()).containsExactly("purge_lru", "lazy_expire");
        assertThat(ApiOptions.cache2("name=x,maxitems=5,hash=murmur2").items()).isEqualTo(5);
    }

    @Test
    void badCache2Values() {
        assertThatThrownBy(() -> ApiOptions.cache2("items=10")).hasMessageContaining("name is required");
        assertThatThrownBy(() -> ApiOptions.cache2("name=x")).hasMessageContaining("items is required");
        assertThatThrownBy(() -> ApiOptions.cache2("name=x,items=10,blocks=5")).hasMessageContaining("at least items");
        assertThatThrownBy(() -> ApiOptions.cache2("name=x,items=10,bitmap=1")).hasMessageContaining("not implemented");
        assertThatThrownBy(() -> ApiOptions.cache2("name=x,items=10,colour=red")).hasMessageContaining("unknown key");
    }
}
